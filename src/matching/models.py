"""Pairs of an incoming student and a local buddy (tenant schema)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class PairQuerySet(models.QuerySet):
    def active(self) -> "PairQuerySet":
        return self.filter(ended_at__isnull=True)


class Pair(models.Model):
    """A confirmed pair. Only a confirmed pair discloses one student's contact to the other.

    When a student's profile is erased the pair stays, without them, for the statistics.
    """

    incoming = models.ForeignKey(
        "core.Profile", null=True, on_delete=models.SET_NULL, related_name="pairs_as_incoming"
    )
    buddy = models.ForeignKey(
        "core.Profile", null=True, on_delete=models.SET_NULL, related_name="pairs_as_buddy"
    )
    # Kept when profiles are erased: what the cross-section statistics count.
    incoming_nationality = CountryField(_("incoming student's nationality"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=200, blank=True)

    objects = PairQuerySet.as_manager()

    class Meta:
        ordering = ["-confirmed_at"]

    def __str__(self) -> str:
        return f"pair #{self.pk}"
