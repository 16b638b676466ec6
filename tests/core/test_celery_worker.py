"""The outbox relay crossing a real Redis broker to a real Celery worker process, which sends
the email in the section whose outbox holds it."""

import time

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from celery_worker import wait_for_email
from core.accounts.emails import COORDINATOR_INVITATION
from core.accounts.models import User
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage

pytestmark = pytest.mark.celery_worker

KEY = "test-worker-invitation"


def test_an_email_written_in_lille_is_sent_in_lille_by_a_real_worker(
    celery_worker, committed_lille, django_db_blocker
):
    _queue, outbox_dir = celery_worker
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
    assert (row.status, row.attempts) == ("sent", 1)
    assert mail.outbox == []  # the worker sent it, not this process
    assert email.count("Subject: ") == 1
    assert "To: coordinator@lille.example.org" in email
    assert "lille.localhost/accounts/set-password/" in email
    assert "paris" not in email
