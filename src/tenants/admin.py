from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from tenants.models import Domain, Section
from tenants.onboarding import SectionDetails, onboard_section, validate_section_details

# The Django admin is for the platform's superusers; network admins have their own pages.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    fields = ("domain", "is_primary")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class OnboardSectionForm(forms.ModelForm):
    """The add form: the section's details plus its first coordinator."""

    schema_name = forms.CharField(
        label="Slug",
        help_text="Lowercase letters and digits; the section's address becomes <slug>.<domain>.",
    )
    coordinator_email = forms.EmailField(
        help_text="Receives an invitation email with a link to set a password."
    )
    contact_email = forms.EmailField(required=False, help_text="Defaults to the coordinator's.")

    class Meta:
        model = Section
        fields = (
            "schema_name",
            "name",
            "city",
            "country",
            "kind",
            "contact_email",
            "default_language",
        )

    def section_details(self) -> SectionDetails:
        data = self.cleaned_data
        return SectionDetails(
            slug=data.get("schema_name", ""),
            name=data.get("name", ""),
            city=data.get("city", ""),
            country=str(data.get("country") or ""),
            coordinator_email=data.get("coordinator_email", ""),
            contact_email=data.get("contact_email", ""),
            kind=data.get("kind", ""),
            default_language=data.get("default_language", ""),
        )

    def clean(self):
        cleaned = super().clean()
        try:
            validate_section_details(self.section_details())
        except ValidationError as error:
            # Show the service's findings next to the fields the form had no error for.
            for field, messages in error.message_dict.items():
                name = "schema_name" if field == "slug" else field
                if name not in self.errors:
                    self.add_error(name, messages)
        return cleaned

    def validate_unique(self) -> None:
        """Uniqueness is checked by validate_section_details, with clearer messages."""


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "schema_name", "city", "country", "kind", "is_active", "created_at")
    list_filter = ("is_active", "kind", "country")
    search_fields = ("name", "schema_name", "city")
    inlines = [DomainInline]
    fields = (
        "schema_name",
        "name",
        "city",
        "country",
        "kind",
        "contact_email",
        "default_language",
        "primary_colour",
        "logo",
        "welcome_text",
        "is_active",
        "created_at",
    )

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = OnboardSectionForm
            kwargs["fields"] = None
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return (*OnboardSectionForm.Meta.fields, "coordinator_email")
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return ("schema_name", "created_at") if obj else ()

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request: HttpRequest, obj: Section, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        section = onboard_section(form.section_details())
        # The admin goes on (history, redirect) with the object the service created.
        obj.pk = section.pk
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None) -> bool:
        # A section holds its students' data: deactivate it instead.
        return False
