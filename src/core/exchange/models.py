"""Imports of incoming students from a CSV file, and the invitations they create (tenant)."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core.models import PlaceOfStudy

# A preview can be committed for a day; after that the file is uploaded again.
PREVIEW_VALID_FOR = timedelta(hours=24)
# An invitation link works for 30 days.
INVITATION_VALID_FOR = timedelta(days=30)


def preview_expiry():
    return timezone.now() + PREVIEW_VALID_FOR


def new_token() -> str:
    return secrets.token_urlsafe(24)


class ImportBatch(models.Model):
    """One uploaded file: its parsed rows and their errors, kept between preview and commit.

    The commit reads the rows from here, never from the browser. Rows and errors hold
    personal data: they are emptied once the batch is committed or expired.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        COMMITTED = "committed", _("Imported")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("preview valid until"), default=preview_expiry)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PREVIEWED)
    # The cleaned rows ({"line", "email", ..., "place_of_study": id}) and the problems found
    # ({"line", "column", "code", "params"}); only a batch without problems can be committed.
    rows = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_count = models.PositiveIntegerField(_("profiles completed"), default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import #{self.pk}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def can_commit(self) -> bool:
        return (
            self.status == self.Status.PREVIEWED
            and not self.errors
            and bool(self.rows)
            and not self.is_expired
        )


class ImportedInvitation(models.Model):
    """An incoming student of a committed import, invited to complete their profile."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    nationality = CountryField(_("nationality"))
    arrival_date = models.DateField(_("arrival date"))
    departure_date = models.DateField(_("departure date"))
    place_of_study = models.ForeignKey(
        PlaceOfStudy, null=True, on_delete=models.SET_NULL, verbose_name=_("place of study")
    )
    home_university = models.CharField(_("home university"), max_length=150, blank=True)
    # the invitation's and the completed profile's language (importing._language)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    # Part of the signed link: a link signed for another row (or section) finds nothing.
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("invitation sent at"), null=True, blank=True)
    used_at = models.DateTimeField(_("profile completed at"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["email"], name="exchange_invitation_email")]

    def __str__(self) -> str:
        return f"invitation #{self.pk}"
