"""Pair follow-up: check-ins after confirmation, the buddy's reminder, end-of-stay surveys.

Each row is also the claim of its email: it is created in the transaction that sends the
email, and its unique constraint makes a second send impossible.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["CheckIn", "MeetingReminder", "SurveyResponse"]


class CheckIn(models.Model):
    """The question "have you met?" sent to one student of a pair, and their answer."""

    class Answer(models.TextChoices):
        MET = "met", _("We have met")
        NOT_YET = "not_yet", _("Not yet")
        NEW_BUDDY = "new_buddy", _("I need a new buddy")

    pair = models.ForeignKey("matching.Pair", on_delete=models.CASCADE, related_name="checkins")
    profile = models.ForeignKey("core.Profile", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # A "new buddy" answer stays on the coordinators' attention list until one handles it.
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("check-in")
        constraints = [
            models.UniqueConstraint(fields=["pair", "profile"], name="followup_checkin_once"),
        ]

    def __str__(self) -> str:
        return f"check-in of pair #{self.pair_id} for {self.profile_id}"


class MeetingReminder(models.Model):
    """The reminder to the local buddy that their incoming student has arrived; once a pair."""

    pair = models.OneToOneField(
        "matching.Pair", on_delete=models.CASCADE, related_name="meeting_reminder"
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting reminder")

    def __str__(self) -> str:
        return f"reminder for pair #{self.pair_id}"


class SurveyResponse(models.Model):
    """The end-of-stay survey sent to one student of a pair, and their rating and comment.

    When the student's profile is erased the rating stays, anonymous, for the section's
    results; the comment, free text that may name people, is erased with them.
    """

    pair = models.ForeignKey("matching.Pair", on_delete=models.CASCADE, related_name="surveys")
    profile = models.ForeignKey(
        "core.Profile", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    role = models.CharField(_("role"), max_length=10)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey response")
        constraints = [
            models.UniqueConstraint(fields=["pair", "profile"], name="followup_survey_once"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__range=(1, 5)),
                name="followup_survey_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"survey of pair #{self.pair_id} for {self.profile_id}"
