"""The outbox: what must happen after a change commits, written in the change's transaction."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessageQuerySet(models.QuerySet):
    def due(self, now=None) -> "OutboxMessageQuerySet":
        return self.filter(
            status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now or timezone.now()
        )


class OutboxMessage(models.Model):
    """An email to send or a task to start, once, after the transaction that wrote it.

    `key` names the logical message (`pair-confirmed:<pair>:<student>`): writing the same key
    twice keeps the first row, so a double click or a retried task sends nothing twice.
    `args` holds ids only; the email is rendered when it is sent, from the rows as they are.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        TASK = "task", _("Task")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("No longer needed")
        FAILED = "failed", _("Failed")

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=5, choices=Kind)
    # the email's registered name (core.outbox.emails) or the task's Celery name
    name = models.CharField(max_length=100)
    args = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # the error's type and the mail server's code: never an address or a message body
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="outbox_pending_due",
            ),
            models.Index(
                fields=["-created_at"], condition=models.Q(status="failed"), name="outbox_failed"
            ),
        ]

    def __str__(self) -> str:
        return self.key
