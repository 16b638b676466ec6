from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_countries import countries as all_countries

from network.models import AdminRole, JoinRequest
from network.scope import Scope
from network.support import DURATIONS
from tenants.models import Section
from tenants.onboarding import SectionDetails

MAX_CSV_BYTES = 1024 * 1024


def country_choices(scope: Scope | None) -> list[tuple[str, str]]:
    """Every country for a European admin (and the public form), a national admin's own."""
    if scope is None or scope.countries is None:
        return list(all_countries)
    return [(code, name) for code, name in all_countries if code in scope.countries]


class JoinRequestForm(forms.ModelForm):
    class Meta:
        model = JoinRequest
        fields = (
            "name",
            "city",
            "country",
            "kind",
            "contact_name",
            "contact_email",
            "coordinator_email",
            "default_language",
            "message",
        )


class ApproveForm(forms.Form):
    slug = forms.CharField(
        label=_("Address"),
        max_length=40,
        help_text=_("Lowercase letters and digits: the portal becomes <address>.%(domain)s.")
        % {"domain": settings.BASE_DOMAIN},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class SectionForm(forms.Form):
    """Onboarding a section directly: tenants.onboarding checks the rest."""

    slug = ApproveForm.base_fields["slug"]
    name = forms.CharField(label=_("Name"), max_length=120)
    city = forms.CharField(label=_("City"), max_length=120)
    country = forms.ChoiceField(label=_("Country"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Section.Kind.choices)
    coordinator_email = forms.EmailField(label=_("First coordinator's email"))
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    default_language = forms.ChoiceField(
        label=_("Language of the portal"), choices=settings.LANGUAGES
    )

    def __init__(self, *args, scope: Scope, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices(scope)

    def details(self) -> SectionDetails:
        data = self.cleaned_data
        return SectionDetails(
            slug=data["slug"].strip().lower(),
            name=data["name"],
            city=data["city"],
            country=data["country"],
            coordinator_email=data["coordinator_email"],
            contact_email=data["contact_email"],
            kind=data["kind"],
            default_language=data["default_language"],
        )


class EditSectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ("name", "city", "country", "kind", "contact_email", "default_language")

    def __init__(self, *args, scope: Scope, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices(scope)


class CsvImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        return upload.read()


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Email"))


class SupportForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to see this section's data?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Written in the section's audit log and shown to its coordinators."),
    )
    minutes = forms.TypedChoiceField(
        label=_("For how long"),
        coerce=int,
        choices=[
            (minutes, _("%(minutes)d minutes") % {"minutes": minutes}) for minutes in DURATIONS
        ],
    )


class InviteAdminForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    level = forms.ChoiceField(label=_("Role"), choices=AdminRole.Level.choices)
    countries = forms.MultipleChoiceField(
        label=_("Countries"), required=False, widget=forms.CheckboxSelectMultiple
    )
    language = forms.ChoiceField(label=_("Language of their emails"), choices=settings.LANGUAGES)

    def __init__(self, *args, scope: Scope, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if scope.countries is None:
            # a European admin picks from a select, not 250 checkboxes
            self.fields["countries"].widget = forms.SelectMultiple(attrs={"size": 8})
        else:
            self.fields["level"].choices = [
                (AdminRole.Level.NATIONAL, AdminRole.Level.NATIONAL.label)
            ]
        self.fields["countries"].choices = country_choices(scope)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("level") == AdminRole.Level.NATIONAL and not cleaned.get("countries"):
            self.add_error("countries", _("Choose the countries a national admin looks after."))
        return cleaned


class StatisticsFilterForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), required=False)
    section = forms.TypedChoiceField(
        label=_("Section"), required=False, coerce=int, empty_value=None
    )
    semester = forms.ChoiceField(label=_("Semester"), required=False)

    def __init__(self, *args, countries, sections, semesters, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["country"].choices = everything + list(countries)
        self.fields["section"].choices = everything + list(sections)
        self.fields["semester"].choices = everything + list(semesters)


class SectionSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args, countries, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("All")), *list(countries)]
