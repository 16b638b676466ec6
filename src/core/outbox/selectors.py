"""Reads of the outbox: whether a message was written, and what failed for the coordinators."""

from django.db.models import QuerySet

from core.outbox.models import OutboxMessage


def message_exists(key: str) -> bool:
    return OutboxMessage.objects.filter(key=key).exists()


def failed_messages() -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED).order_by("-created_at")
