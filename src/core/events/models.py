"""Buddy events with their registrations, and the messages coordinators send (tenant)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.translated import Shown, section_text_in


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    INCOMING = "incoming", _("Incoming international students")
    BUDDIES = "buddies", _("Local buddies")


class EventQuerySet(models.QuerySet):
    def not_over(self, now) -> "EventQuerySet":
        """Events still to come or under way at `now`."""
        return self.filter(Q(ends_at__gte=now) | Q(ends_at__isnull=True, starts_at__gte=now))


class Event(models.Model):
    """A buddy event: a meeting, a trip, a party, with a limited number of places."""

    title = models.CharField(_("title"), max_length=150)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveIntegerField(
        _("places"), validators=[MinValueValidator(1)], help_text=_("How many students can come.")
    )
    description = models.TextField(_("description"), max_length=5000, blank=True)
    # title and description in the languages other than the section's own:
    # {"en": {"title": ..., "description": ...}}
    translations = models.JSONField(_("in other languages"), default=dict, blank=True)
    audience = models.CharField(
        _("for"), max_length=10, choices=Audience, default=Audience.EVERYONE
    )
    published = models.BooleanField(
        _("published"), default=True, help_text=_("Students see published events only.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="events_capacity_positive",
                violation_error_message=_("An event needs at least one place."),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="events_ends_after_start",
                violation_error_message=_("The event must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def title_in(self, language: str) -> Shown:
        return self._in_language("title", language)

    def description_in(self, language: str) -> Shown:
        return self._in_language("description", language)

    def _in_language(self, part: str, language: str) -> Shown:
        texts = {code: text.get(part, "") for code, text in self.translations.items()}
        return section_text_in(getattr(self, part), texts, language)


class EventRegistration(models.Model):
    """A student's place at an event, or their place in its waiting list."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    profile = models.ForeignKey(
        "core.Profile", on_delete=models.CASCADE, related_name="event_registrations"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status)
    # When the student (last) asked for a place: the waiting list's order.
    created_at = models.DateTimeField(_("registered at"))
    # Moved from the waiting list to a place; the email saying so is claimed by emailed_at.
    promoted_at = models.DateTimeField(null=True, blank=True)
    promotion_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "profile"], name="events_registration_once"),
        ]
        indexes = [
            models.Index(fields=["event", "status", "created_at"], name="events_reg_event_status"),
        ]

    def __str__(self) -> str:
        return f"registration #{self.pk} ({self.status})"


class Message(models.Model):
    """An email to a segment of students, written in each language of the portal."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("text (English)"), max_length=20000, blank=True)
    subject_fr = models.CharField(_("subject (French)"), max_length=200, blank=True)
    body_fr = models.TextField(_("text (French)"), max_length=20000, blank=True)
    segment = models.CharField(_("recipients"), max_length=40)
    parameter = models.CharField(_("segment parameter"), max_length=40, blank=True)
    essential = models.BooleanField(
        _("essential"),
        default=False,
        help_text=_(
            "Essential messages (about a student's place in the programme) go to everyone in "
            "the segment, even to students who unsubscribed, and carry no unsubscribe link."
        ),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    queued_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    recipients_count = models.PositiveIntegerField(_("recipients"), default=0)
    sent_count = models.PositiveIntegerField(_("sent"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"message #{self.pk}"

    @property
    def subject(self) -> str:
        """The subject to show coordinators: the first language written."""
        return self.subject_en or self.subject_fr

    @property
    def pending_count(self) -> int:
        return self.recipients_count - self.sent_count - self.failed_count - self.skipped_count

    @property
    def progress(self) -> int:
        if not self.recipients_count:
            return 0
        return round(100 * (self.recipients_count - self.pending_count) / self.recipients_count)


class MessageDelivery(models.Model):
    """One recipient of a message: claimed, sent and marked in one transaction, once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (unsubscribed or left the programme)")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    profile = models.ForeignKey(
        "core.Profile", on_delete=models.CASCADE, related_name="message_deliveries"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["message", "profile"], name="events_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["message", "status"], name="events_delivery_status"),
        ]

    def __str__(self) -> str:
        return f"delivery #{self.pk} ({self.status})"


class MessagePreference(models.Model):
    """A student's choice about non-essential messages (one row once they chose)."""

    profile = models.OneToOneField(
        "core.Profile", on_delete=models.CASCADE, related_name="message_preference"
    )
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    def __str__(self) -> str:
        return f"message preference of {self.profile_id}"
