import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from django_tenants.models import DomainMixin, TenantMixin

LOGO_EXTENSIONS = {"png", "webp", "jpg"}
hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))


def site_url(host: str) -> str:
    """The address of a host of the platform, as links in pages and emails use it."""
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{host}{port}"


def logo_path(section: "Section", filename: str) -> str:
    """Under the section's schema, a fresh name for every logo (a new logo is a new address,
    so no cache shows the old one); the extension is one we encode, never the uploaded name's
    (coordinator.forms.LogoField stores PNG)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in LOGO_EXTENSIONS:
        extension = "png"
    return f"sections/{section.schema_name}/{secrets.token_hex(8)}-logo.{extension}"


class Section(TenantMixin):
    """A student association or university running its buddy programme on a subdomain.

    Its slug is the PostgreSQL schema name and the first label of its host name.
    """

    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("Student association")
        UNIVERSITY = "university", _("University")

    name = models.CharField(_("name"), max_length=120)
    city = models.CharField(_("city"), max_length=120)
    country = CountryField(_("country"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.ASSOCIATION)
    contact_email = models.EmailField(_("contact email"))
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#2e3192", validators=[hex_colour]
    )
    logo = models.ImageField(_("logo"), upload_to=logo_path, blank=True)
    welcome_text = models.TextField(_("welcome text"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Its coordinators did the required steps of the setup checklist (core.readiness): the
    # directory lists a section that is not set up as "opening soon".
    set_up = models.BooleanField(_("set up"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # The schema is built by tenants.onboarding (replayed, in one transaction), never by save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["country", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def slug(self) -> str:
        return self.schema_name

    @property
    def host(self) -> str:
        return f"{self.schema_name}.{settings.BASE_DOMAIN}"

    @property
    def portal_url(self) -> str:
        return site_url(self.host)


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]


class SchemaRecording(models.Model):
    """The SQL that migrating one empty section schema executed, for one migration state.

    Onboarding replays it into a new schema instead of running the migrations again.
    """

    migration_state = models.CharField(max_length=64, unique=True)
    sql = models.TextField()
    statement_count = models.PositiveIntegerField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.migration_state[:12]} ({self.statement_count} statements)"
