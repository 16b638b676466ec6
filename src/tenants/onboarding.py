"""Onboarding a section: its row, its schema, its domain and its first coordinator, at once."""

import re
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django_countries import countries
from django_tenants.utils import schema_context

from core.accounts.services import invite_coordinator
from tenants.models import Domain, Section
from tenants.schema_builder import build_section_schema, migrate_section_schema

# A slug is the schema name and a DNS label at once: lowercase letters and digits only.
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9]{1,39}$")
RESERVED_SLUGS = frozenset(
    {"www", "admin", "api", "public", "static", "media", "mail", "smtp", "ftp", "app", "help"}
)


@dataclass(frozen=True)
class SectionDetails:
    slug: str
    name: str
    city: str
    country: str
    coordinator_email: str
    contact_email: str = ""
    kind: str = Section.Kind.ASSOCIATION
    default_language: str = "en"

    @property
    def host(self) -> str:
        return f"{self.slug}.{settings.BASE_DOMAIN}"


def validate_section_details(details: SectionDetails) -> None:
    """Raise a ValidationError naming every field that is wrong."""
    errors: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not SLUG_PATTERN.match(details.slug):
        problem(
            "slug",
            _(
                "Use 2 to 40 lowercase letters and digits, starting with a letter "
                "(it becomes the web address <slug>.%(domain)s)."
            )
            % {"domain": settings.BASE_DOMAIN},
        )
    elif details.slug in RESERVED_SLUGS:
        problem("slug", _("“%(slug)s” is reserved, choose another.") % {"slug": details.slug})
    elif Section.objects.filter(schema_name__iexact=details.slug).exists():
        problem("slug", _("A section with this slug already exists."))
    elif Domain.objects.filter(domain__iexact=details.host).exists():
        problem("slug", _("The address %(host)s is already taken.") % {"host": details.host})

    for field in ("name", "city"):
        value = getattr(details, field).strip()
        if not value:
            problem(field, _("This field is required."))
        elif len(value) > 120:
            problem(field, _("Use at most 120 characters."))
    if details.country not in countries:
        problem("country", _("Enter a country as a two-letter ISO code, for example FR."))
    for field in ("coordinator_email", "contact_email"):
        value = getattr(details, field)
        if field == "coordinator_email" or value:
            try:
                validate_email(value)
            except ValidationError:
                problem(field, _("Enter a valid email address."))
    if details.kind not in Section.Kind.values:
        problem("kind", _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(Section.Kind.values)})
    if details.default_language not in dict(settings.LANGUAGES):
        problem("default_language", _("Choose a language the platform speaks."))

    if errors:
        raise ValidationError(errors)


def onboard_section(
    details: SectionDetails, *, schema_method: Literal["replay", "migrate"] = "replay"
) -> Section:
    """Create a section with its schema, domain and first coordinator, or nothing at all.

    The coordinator's invitation email is sent by a task once everything is committed.
    `schema_method="migrate"` runs the migrations instead of replaying their recording.
    """
    validate_section_details(details)
    try:
        with transaction.atomic():
            section = Section.objects.create(
                schema_name=details.slug,
                name=details.name.strip(),
                city=details.city.strip(),
                country=details.country,
                kind=details.kind,
                contact_email=details.contact_email or details.coordinator_email,
                default_language=details.default_language,
            )
            Domain.objects.create(domain=details.host, tenant=section, is_primary=True)
            if schema_method == "migrate":
                migrate_section_schema(details.slug)
            else:
                build_section_schema(details.slug)
            with schema_context(details.slug):
                invite_coordinator(details.coordinator_email)
    except IntegrityError as error:
        # Someone onboarded the same slug or domain a moment ago.
        raise ValidationError({"slug": [_("A section with this slug already exists.")]}) from error
    finally:
        connection.set_schema_to_public()
        # Content type ids are cached per database, not per schema.
        ContentType.objects.clear_cache()
    return section
