"""Finished outbox rows are forgotten after a year and a bit; pending ones never are."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.outbox.models import OutboxMessage
from core.outbox.services import KEEP_FINISHED, purge_finished

pytestmark = pytest.mark.django_db


def row(key: str, status: str, finished_days_ago: int | None) -> OutboxMessage:
    finished = None
    if finished_days_ago is not None:
        finished = timezone.now() - timedelta(days=finished_days_ago)
    return OutboxMessage.objects.create(
        key=key, kind="email", name="core.verify_email", status=status, finished_at=finished
    )


def test_only_rows_finished_long_ago_are_forgotten(lille, in_section):
    old = KEEP_FINISHED.days + 1
    with in_section(lille):
        kept = {
            row("recent-sent", "sent", 10).key,
            row("pending", "pending", None).key,
            row("old-pending-retried", "pending", old).key,  # a coordinator's retry
        }
        for status in ("sent", "skipped", "failed"):
            row(f"old-{status}", status, old)
        assert purge_finished() == 3
        assert set(OutboxMessage.objects.values_list("key", flat=True)) >= kept
        assert (
            not OutboxMessage.objects.filter(key__startswith="old-")
            .exclude(key="old-pending-retried")
            .exists()
        )
