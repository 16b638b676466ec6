"""Offers: in the "buddies accept" mode a confirmed proposal (or a coordinator's suggestion)
is offered to the buddy, who accepts (the pair is made) or declines; unanswered, it expires.

A pending offer holds its incoming student (they are not waiting) and one of the buddy's
places (see matching.waiting), so that no run proposes them twice meanwhile.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["Offer"]


class Offer(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the buddy's answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired: no answer in time")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    incoming = models.ForeignKey("core.Profile", on_delete=models.CASCADE, related_name="+")
    buddy = models.ForeignKey(
        "core.Profile", on_delete=models.CASCADE, related_name="offers_as_buddy"
    )
    # the confirmed proposal it comes from; none for a coordinator's suggestion by hand
    proposal = models.OneToOneField(
        "matching.Proposal", null=True, blank=True, on_delete=models.SET_NULL, related_name="offer"
    )
    score = models.IntegerField(_("score"), null=True, blank=True)
    breakdown = models.JSONField(_("score by criterion"), default=dict, blank=True)
    # the engine's facts behind the score, told to the buddy in words
    details = models.JSONField(_("why"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    decline_reason = models.CharField(_("why the buddy declined"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("offered at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(_("answer by"))
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # the coordinator who withdrew it (the buddy answers for themselves)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    pair = models.OneToOneField(
        "matching.Pair", null=True, blank=True, on_delete=models.SET_NULL, related_name="offer"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # an incoming student is offered to one buddy at a time: a retried confirmation
            # or two coordinators at once never make a second offer
            models.UniqueConstraint(
                fields=["incoming"],
                condition=Q(status="pending"),
                name="matching_one_pending_offer_per_student",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="matching_offer_due"),
            models.Index(fields=["buddy", "status"], name="matching_offer_buddy"),
        ]

    def __str__(self) -> str:
        return f"offer #{self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
