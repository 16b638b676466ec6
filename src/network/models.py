"""The network's rows, all in the public schema: admin roles, join requests, the admins' audit
log, support access grants and the statistics snapshots of every section."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from tenants.models import Section


class AdminRole(models.Model):
    """What a platform account may do on the network pages (network.scope reads it)."""

    class Level(models.TextChoices):
        EUROPEAN = "european", _("European admin")
        NATIONAL = "national", _("National admin")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="admin_role"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level)
    # the language of the emails the network sends them
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__email"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.user_id}"


class AdminCountry(models.Model):
    """A country a national admin looks after."""

    role = models.ForeignKey(AdminRole, on_delete=models.CASCADE, related_name="countries")
    country = CountryField(_("country"))

    class Meta:
        ordering = ["country"]
        constraints = [
            models.UniqueConstraint(fields=["role", "country"], name="network_admin_country_once")
        ]
        indexes = [models.Index(fields=["country"], name="network_admin_country")]

    def __str__(self) -> str:
        return str(self.country)


class JoinRequest(models.Model):
    """An association or university asking to run the buddy programme."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    name = models.CharField(_("name of the association or university"), max_length=120)
    city = models.CharField(_("city"), max_length=120)
    country = CountryField(_("country"))
    kind = models.CharField(_("kind"), max_length=20, choices=Section.Kind)
    contact_name = models.CharField(_("your name"), max_length=150)
    contact_email = models.EmailField(_("your email"))
    coordinator_email = models.EmailField(_("the first coordinator's email"))
    default_language = models.CharField(
        _("language of the portal"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    message = models.TextField(_("anything we should know"), max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decline_reason = models.TextField(_("reason"), max_length=2000, blank=True)
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "country"], name="network_join_status")]

    def __str__(self) -> str:
        return self.name


class AdminEvent(models.Model):
    """What a network admin did: the public schema's audit log (no student data in it)."""

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=40)
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the country the action concerns, so national admins see their countries' lines
    country = CountryField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["country", "-at"], name="network_event_country")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class SupportAccessQuerySet(models.QuerySet):
    def active(self, now=None) -> "SupportAccessQuerySet":
        return self.filter(ended_at__isnull=True, expires_at__gt=now or timezone.now())


class SupportAccess(models.Model):
    """A time-limited, read-only look at one section's coordinator pages by a network admin."""

    admin = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Read on the section's host, where the user table is the section's own: never follow
    # `admin` there, show this copy of the admin's address.
    admin_email = models.EmailField()
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(_("reason"), max_length=1000)
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = SupportAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["section", "-expires_at"], name="network_support_section")]

    def __str__(self) -> str:
        return f"support access #{self.pk}"


class SectionSnapshot(models.Model):
    """One section's figures for one semester, as the last statistics pass counted them.

    Counts only: no student is named. Sums (not rates) are stored so that any group of
    sections adds up; `nationalities` maps a country code to the incoming students holding it.
    """

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="snapshots")
    # "2026-autumn" (August to January) or "2027-spring" (February to July); sorts in time
    semester = models.CharField(max_length=12)
    # copied from the section, so that pages filter and group without a join
    country = CountryField()
    taken_at = models.DateTimeField()
    registered_incoming = models.PositiveIntegerField(default=0)
    registered_buddies = models.PositiveIntegerField(default=0)
    verified_incoming = models.PositiveIntegerField(default=0)
    verified_buddies = models.PositiveIntegerField(default=0)
    waiting_incoming = models.PositiveIntegerField(default=0)
    waiting_buddies = models.PositiveIntegerField(default=0)
    # verified incoming students of the semester who had a buddy at some point
    matched_incoming = models.PositiveIntegerField(default=0)
    pairs_made = models.PositiveIntegerField(default=0)
    median_days_to_pair = models.FloatField(null=True, blank=True)
    checkins_met = models.PositiveIntegerField(default=0)
    checkins_not_yet = models.PositiveIntegerField(default=0)
    survey_answers = models.PositiveIntegerField(default=0)
    survey_rating_total = models.PositiveIntegerField(default=0)
    events = models.PositiveIntegerField(default=0)
    event_attendance = models.PositiveIntegerField(default=0)
    nationalities = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["section", "semester"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "semester"], name="network_snapshot_once_per_semester"
            ),
            models.CheckConstraint(
                condition=Q(semester__regex=r"^\d{4}-(spring|autumn)$"),
                name="network_snapshot_semester_format",
            ),
        ]
        indexes = [models.Index(fields=["semester", "country"], name="network_snapshot_filter")]

    def __str__(self) -> str:
        return f"{self.section_id} {self.semester}"

    @property
    def match_rate(self) -> float | None:
        return self.matched_incoming / self.verified_incoming if self.verified_incoming else None
