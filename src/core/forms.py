from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.accounts.models import User, normalise_email
from core.languages import SPOKEN_LANGUAGES, LanguageLevel
from core.models import Hobby, PlaceOfStudy, Profile
from core.names import NameField
from core.services import SpokenLanguage

MIN_AGE, MAX_AGE = 16, 99
LATEST_ARRIVAL = timedelta(days=365)
EARLIEST_ARRIVAL = timedelta(days=180)  # late registrations happen after arrival


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


INCOMING_FIELDS = ("home_university", "arrival_date", "departure_date")
BUDDY_FIELDS = ("available_from", "available_until", "capacity")


class ProfileForm(forms.ModelForm):
    """The profile a student fills in and edits; the fields depend on their role."""

    first_name = NameField(label=_("First name"), max_length=150)
    last_name = NameField(label=_("Last name"), max_length=150)

    class Meta:
        model = Profile
        fields = (
            "birth_date",
            "gender",
            "nationality",
            "place_of_study",
            "faculty",
            "study_level",
            "hobbies",
            "preferred_buddy_gender",
            "about",
            "note_for_buddy",
            *INCOMING_FIELDS,
            *BUDDY_FIELDS,
            "phone",
            "instagram",
            "language",
        )
        widgets = {
            "birth_date": DateInput(),
            "arrival_date": DateInput(),
            "departure_date": DateInput(),
            "available_from": DateInput(),
            "available_until": DateInput(),
            "hobbies": forms.CheckboxSelectMultiple,
            "about": forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
            "note_for_buddy": forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
            "capacity": forms.NumberInput(attrs={"min": 1, "max": 5}),
        }
        help_texts = {
            "phone": _("Shared with your buddy only, once your pair is confirmed."),
            "instagram": _("Shared with your buddy only, once your pair is confirmed."),
            "language": _("The language of the emails we send you."),
            "note_for_buddy": _(
                "Optional. Where your section lets local buddies choose whom they welcome, "
                "buddies looking for a student may read it, with your first name and what the "
                "section shows (never your email, surname or age)."
            ),
        }

    def __init__(self, *args, role: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role = role
        for name in BUDDY_FIELDS if role == Profile.Role.INCOMING else INCOMING_FIELDS:
            del self.fields[name]
        if role != Profile.Role.INCOMING:
            del self.fields["note_for_buddy"]
        for name in INCOMING_FIELDS if role == Profile.Role.INCOMING else BUDDY_FIELDS:
            self.fields[name].required = True
        self.fields["place_of_study"].queryset = PlaceOfStudy.objects.filter(is_active=True)
        self.fields["hobbies"].queryset = Hobby.objects.filter(is_active=True)
        language = get_language()
        for name in ("place_of_study", "hobbies"):
            self.fields[name].label_from_instance = lambda entry: entry.name_in(language)

    def clean_birth_date(self) -> date:
        born = self.cleaned_data["birth_date"]
        age = relativedelta(timezone.localdate(), born).years
        if not MIN_AGE <= age <= MAX_AGE:
            raise ValidationError(
                _("You must be between %(min)s and %(max)s years old to take part."),
                params={"min": MIN_AGE, "max": MAX_AGE},
            )
        return born

    def clean_arrival_date(self) -> date:
        arrival = self.cleaned_data["arrival_date"]
        today = timezone.localdate()
        if arrival > today + LATEST_ARRIVAL:
            raise ValidationError(_("Your arrival must be within the coming year."))
        if arrival < today - EARLIEST_ARRIVAL:
            raise ValidationError(_("This arrival date is too long ago; check the year."))
        return arrival

    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        if not 1 <= capacity <= 5:
            raise ValidationError(_("Choose between 1 and 5 students."))
        return capacity

    def clean(self) -> dict:
        cleaned = super().clean()
        arrival, departure = cleaned.get("arrival_date"), cleaned.get("departure_date")
        if arrival and departure and departure <= arrival:
            self.add_error("departure_date", _("Your departure must come after your arrival."))
        start, end = cleaned.get("available_from"), cleaned.get("available_until")
        if start and end and end < start:
            self.add_error(
                "available_until", _("The end of your availability must come after its start.")
            )
        if end and end < timezone.localdate():
            self.add_error("available_until", _("This date is already over."))
        return cleaned

    def profile_fields(self) -> dict:
        excluded = {"first_name", "last_name", "hobbies"}
        return {k: v for k, v in self.cleaned_data.items() if k not in excluded}


class RegistrationForm(ProfileForm):
    EMAIL_TAKEN = _(
        "An account with this email already exists here. Log in, or reset your password."
    )

    email = forms.EmailField(label=_("Email"), max_length=254)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree that my profile is used to find me a buddy."
        )
    )

    field_order = ("first_name", "last_name", "email", "password")

    def clean_email(self) -> str:
        """One spelling per address. A taken address typed by a visitor is not refused here:
        the registration answers the same for it (services.register_or_tell_owner), or the
        form would tell anyone who has an account. Only an address the visitor did not type
        (an invitation's, a disabled field: they hold the link sent to it) is refused."""
        email = normalise_email(self.cleaned_data["email"])
        if self.fields["email"].disabled and User.objects.filter(email=email).exists():
            raise ValidationError(self.EMAIL_TAKEN)
        return email

    def clean(self) -> dict:
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            candidate = User(
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                validate_password(password, candidate)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned

    def profile_fields(self) -> dict:
        fields = super().profile_fields()
        for name in ("email", "password", "consent"):
            fields.pop(name)
        return {**fields, "role": self.role}


class SpokenLanguageForm(forms.Form):
    """One row of the languages list; rows left on "—" are ignored."""

    language = forms.ChoiceField(
        label=_("Language"), choices=[("", "—"), *SPOKEN_LANGUAGES], required=False
    )
    level = forms.ChoiceField(
        label=_("Level"), choices=LanguageLevel.choices, initial=LanguageLevel.INTERMEDIATE
    )


class BaseSpokenLanguageFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index: int) -> dict:
        # Every row is read, also one left as it was shown: an unchanged row is still spoken.
        return {**super().get_form_kwargs(index), "empty_permitted": False}

    def clean(self) -> None:
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            language = form.cleaned_data.get("language")
            if language in seen:
                raise ValidationError(_("Each language once, please."))
            if language:
                seen.add(language)
        if not seen:
            raise ValidationError(_("Tell us at least one language you speak."))

    def spoken_languages(self) -> list[SpokenLanguage]:
        return [
            SpokenLanguage(form.cleaned_data["language"], form.cleaned_data["level"])
            for form in self.forms
            if form.cleaned_data.get("language")
        ]


SpokenLanguageFormSet = forms.formset_factory(
    SpokenLanguageForm, formset=BaseSpokenLanguageFormSet, extra=4, max_num=8, absolute_max=8
)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=_("Your password"), strip=False, widget=forms.PasswordInput)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("This is not your password."))
        return password
