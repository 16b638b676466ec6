"""External sign-in, per section schema: which methods the section offers, the provider
accounts linked to its users, the sign-ins under way, and ESN board members' coordinator
requests. Nothing of it lives in the public schema."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Provider(models.TextChoices):
    MYACADEMICID = "myacademicid", "MyAcademicID"
    ESN = "esn", "ESN Accounts"


class SigninSettings(models.Model):
    """The section's choice of sign-in methods (one row); the password always works.

    A table of this app rather than fields of core.SectionSettings, so that the app's
    migrations stay its own.
    """

    myacademicid = models.BooleanField(
        _("offer “Sign in with MyAcademicID” (students)"), default=False
    )
    esn = models.BooleanField(
        _("offer “Sign in with ESN Accounts” (buddies, coordinators)"), default=False
    )
    esn_section_code = models.CharField(
        _("ESN section code"),
        max_length=20,
        blank=True,
        help_text=_(
            "As in ESN Accounts, e.g. FR-LILL-ESN. Board members of this section who sign in "
            "with ESN Accounts may ask for the coordinator role; a coordinator confirms it."
        ),
    )

    class Meta:
        verbose_name = _("sign-in settings")

    def __str__(self) -> str:
        return "sign-in settings"

    @classmethod
    def load(cls) -> "SigninSettings":
        row, _created = cls.objects.get_or_create(pk=1)
        return row

    def offers(self, provider: str) -> bool:
        return bool(getattr(self, provider, False))


class ExternalIdentity(models.Model):
    """A provider account linked to a user of this section, keyed by the provider's `sub`
    (immutable; the email may change at the provider)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities"
    )
    provider = models.CharField(_("provider"), max_length=20, choices=Provider)
    subject = models.CharField(_("subject"), max_length=255)
    # MyAcademicID: the home institution (schac_home_organization) and the European Student
    # Identifiers, as the provider last gave them (they may change; shown to coordinators).
    home_organization = models.CharField(_("home institution"), max_length=255, blank=True)
    student_identifiers = models.JSONField(
        _("European Student Identifier"), default=list, blank=True
    )
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="signin_identity_once"),
            models.UniqueConstraint(
                fields=["user", "provider"], name="signin_identity_one_per_provider"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} identity #{self.pk}"


class PendingSignin(models.Model):
    """A sign-in that came back from the provider, waiting for the section's host.

    Written in the section's schema by the root domain's callback; its id travels in a
    signed, schema-bound, short-lived code (never the claims: no personal data in URLs). It
    is claimed once, then kept for the person's browser while they link or register, and
    deleted when that ends or it is too old.
    """

    provider = models.CharField(max_length=20, choices=Provider)
    subject = models.CharField(max_length=255)
    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    home_organization = models.CharField(max_length=255, blank=True)
    student_identifiers = models.JSONField(default=list, blank=True)
    esn_section_code = models.CharField(max_length=40, blank=True)
    esn_roles = models.JSONField(default=list, blank=True)
    next_path = models.CharField(max_length=500, default="/")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"pending sign-in #{self.pk}"


class CoordinatorRequest(models.Model):
    """An ESN board member of the section asks for the coordinator role; a coordinator
    confirms or declines it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a coordinator")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coordinator_requests"
    )
    esn_roles = models.JSONField(_("ESN roles"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="open"),
                name="signin_one_open_coordinator_request",
            )
        ]

    def __str__(self) -> str:
        return f"coordinator request #{self.pk}"
