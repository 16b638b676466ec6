"""The outbox relay crossing a real Redis broker to a real Celery worker process, which sends
the email in the section whose outbox holds it."""

import time
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.db import connection
from django_tenants.utils import schema_context

from celery_worker import wait_for_email
from config.celery import app as celery_app
from core.accounts.emails import COORDINATOR_INVITATION
from core.accounts.models import User
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage

pytestmark = pytest.mark.celery_worker

KEY = "test-worker-invitation"
HELD_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)


@pytest.fixture
def lille_outbox_held(django_db_setup, django_db_blocker):
    """Rows already pending in lille's outbox (the session's onboarding leaves the
    coordinator's invitation there) wait while the worker relays, and are put back after."""
    with django_db_blocker.unblock(), schema_context("lille"):
        pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
        held = dict(pending.values_list("pk", "next_attempt_at"))
        pending.filter(pk__in=held).update(next_attempt_at=HELD_UNTIL)
    yield
    with django_db_blocker.unblock(), schema_context("lille"):
        OutboxMessage.objects.filter(key=KEY).delete()
        for pk, next_attempt_at in held.items():
            OutboxMessage.objects.filter(
                pk=pk, status=OutboxMessage.Status.PENDING, next_attempt_at=HELD_UNTIL
            ).update(next_attempt_at=next_attempt_at)
    connection.set_schema_to_public()


def test_an_email_written_in_lille_is_sent_in_lille_by_a_real_worker(
    celery_worker, lille_outbox_held, django_db_blocker
):
    queue, outbox_dir = celery_worker
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        # Committed by the session setup: the worker's own connection sees both coordinators,
        # who have the same id in lille and in paris.
        with django_db_blocker.unblock():
            with schema_context("paris"):
                paris_ids = set(User.objects.values_list("pk", flat=True))
            with schema_context("lille"):
                lille_id = User.objects.get(email="coordinator@lille.example.org").pk
                assert lille_id in paris_ids
                # autocommit: the row is committed and the relay kicked through Redis at once
                outbox.send_email(KEY, COORDINATOR_INVITATION, user=lille_id)
                email = wait_for_email(outbox_dir)
                deadline = time.monotonic() + 30
                row = OutboxMessage.objects.get(key=KEY)
                while row.status == "pending" and time.monotonic() < deadline:
                    time.sleep(0.2)
                    row.refresh_from_db()
    finally:
        celery_app.conf.task_default_queue = default_queue
    assert (row.status, row.attempts) == ("sent", 1)
    assert mail.outbox == []  # the worker sent it, not this process
    assert email.count("Subject: ") == 1
    assert "To: coordinator@lille.example.org" in email
    assert "lille.localhost/accounts/set-password/" in email
    assert "paris" not in email
