from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.languages import SPOKEN_LANGUAGES
from core.models import Hobby, PlaceOfStudy, Profile, SectionSettings
from tenants.models import Section

MAX_LOGO_BYTES = 1024 * 1024
LOGO_FORMATS = {"PNG", "JPEG", "WEBP"}


class StudentFilterForm(forms.Form):
    STATES = [
        ("", _("All")),
        ("unverified", _("Email not verified")),
        ("waiting", _("Waiting for a buddy")),
        ("matched", _("Matched")),
        (Profile.Status.WITHDRAWN, _("Withdrawn")),
        (Profile.Status.DEACTIVATED, _("Deactivated")),
    ]
    SORTS = [
        ("-registered", _("Newest first")),
        ("name", _("Name")),
        ("arrival", _("Arrival")),
    ]
    search = forms.CharField(label=_("Name or email"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All")), *Profile.Role.choices]
    )
    state = forms.ChoiceField(label=_("Status"), required=False, choices=STATES)
    nationality = forms.ChoiceField(
        label=_("Nationality"), required=False, choices=[("", _("All")), *countries]
    )
    place_of_study = forms.ModelChoiceField(
        label=_("Place of study"), required=False, queryset=PlaceOfStudy.objects.all()
    )
    arrival_month = forms.DateField(
        label=_("Arrival month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    language = forms.ChoiceField(
        label=_("Speaks"), required=False, choices=[("", _("All")), *SPOKEN_LANGUAGES]
    )
    hobby = forms.ModelChoiceField(label=_("Hobby"), required=False, queryset=Hobby.objects.all())
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Add a private note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        help_text=_("Only the section's coordinators see notes."),
    )


class BrandingForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ("primary_colour", "logo")
        widgets = {"primary_colour": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args, welcome_texts: dict | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            self.fields[f"welcome_{code}"] = forms.CharField(
                label=_("Welcome text (%(language)s)") % {"language": name},
                required=False,
                max_length=2000,
                initial=(welcome_texts or {}).get(code, ""),
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "image"):  # a new upload, checked by Pillow already
            if logo.size > MAX_LOGO_BYTES:
                raise ValidationError(_("The logo must be 1 MB or smaller."))
            if logo.image.format not in LOGO_FORMATS:
                raise ValidationError(_("Use a PNG, JPEG or WebP image."))
        return logo

    def welcome_texts(self) -> dict:
        return {code: self.cleaned_data[f"welcome_{code}"] for code, _name in settings.LANGUAGES}

    def section_values(self) -> dict:
        return {field: self.cleaned_data[field] for field in self.Meta.fields}


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = SectionSettings
        fields = (
            "registration_open",
            "registration_opens_on",
            "registration_closes_on",
            "privacy_notice",
            "privacy_notice_version",
            "anonymise_after_months",
            "checkin_after_days",
            "pair_ends_days_after_stay",
        )
        widgets = {
            "registration_opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "registration_closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "privacy_notice": forms.Textarea(attrs={"rows": 6}),
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        opens, closes = cleaned.get("registration_opens_on"), cleaned.get("registration_closes_on")
        if opens and closes and closes < opens:
            self.add_error("registration_closes_on", _("Registration must close after it opens."))
        return cleaned


class CatalogueEntryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)


class InviteCoordinatorForm(forms.Form):
    email = forms.EmailField(label=_("Email of the new coordinator"), max_length=254)
