from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import RegistrationForm
from core.models import Profile
from core.signin.models import PendingSignin, Provider, SigninSettings


class ExternalRegistrationForm(RegistrationForm):
    """The portal's registration form with what the provider told us: the email (verified
    by the provider, not editable) and the name; the password is optional (they sign in
    with the provider, and can choose a password later with "Forgot your password?")."""

    def __init__(self, *args, pending: PendingSignin, **kwargs) -> None:
        initial = {
            **kwargs.pop("initial", {}),
            "email": pending.email,
            "first_name": pending.first_name,
            "last_name": pending.last_name,
            "home_university": pending.home_organization,
        }
        role = (
            Profile.Role.INCOMING
            if pending.provider == Provider.MYACADEMICID
            else Profile.Role.BUDDY
        )
        super().__init__(*args, role=role, initial=initial, **kwargs)
        self.fields["email"].disabled = True
        self.fields["email"].help_text = _("The address your sign-in service confirmed.")
        self.fields["password"].required = False
        self.fields["password"].help_text = _(
            "Optional: you sign in with your account of the sign-in service."
        )


class ConfirmPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Your password here"), strip=False, widget=forms.PasswordInput
    )


class SigninSettingsForm(forms.ModelForm):
    class Meta:
        model = SigninSettings
        fields = ("myacademicid", "esn", "esn_section_code")

    def clean_esn_section_code(self) -> str:
        code = self.cleaned_data["esn_section_code"].strip().upper()
        if code and not all(char.isascii() and (char.isalnum() or char == "-") for char in code):
            raise forms.ValidationError(_("Letters, digits and hyphens only, e.g. FR-LILL-ESN."))
        return code
