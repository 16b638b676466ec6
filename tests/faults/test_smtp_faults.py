"""Fault: the mail server refuses, then fails for a while, then hangs, then is back. A real
SMTP server of the test's own on loopback (tests/faults/conftest.py) and Django's real SMTP
backend with a 1 s timeout; the relay is stepped through its retries with `relay(now=...)`.
Nothing is lost: every email is delivered exactly once, counted at the server."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import retry_delay
from core.emails import VERIFY_EMAIL
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from core.outbox.services import Relayed
from factories import ProfileFactory

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def in_lille(lille, in_section):
    with in_section(lille):
        yield


def write_verification(email: str, capture) -> OutboxMessage:
    """A student's verification email, committed with its relay kick lost: the test relays."""
    profile = ProfileFactory(email_verified_at=None, user__email=email)
    key = f"verify-email:{profile.user_id}"
    with capture(execute=False):
        outbox.send_email(key, VERIFY_EMAIL, user=profile.user_id)
    return OutboxMessage.objects.get(key=key)


def attempts_of(rows: list[OutboxMessage]) -> list[int]:
    return [OutboxMessage.objects.get(pk=row.pk).attempts for row in rows]


def timed_relay(now) -> tuple[Relayed, float]:
    start = time.monotonic()
    report = outbox.relay(now=now)
    return report, time.monotonic() - start


def test_refused_then_down_then_hanging_then_back_delivers_everything_once(
    smtp_server, django_capture_on_commit_callbacks, capsys
):
    capture = django_capture_on_commit_callbacks

    # 1. 550 for the recipient: that row fails at once (no retry can help), none delivered
    smtp_server.mode = "refuse"
    refused = write_verification("nobody@example.org", capture)
    report, refuse_seconds = timed_relay(timezone.now())
    assert report == Relayed(failed=1)
    refused.refresh_from_db()
    assert refused.status == "failed" and refused.attempts == 1
    assert refused.last_error == "SMTPRecipientsRefused 550"

    # 2. 421 at the greeting: the server is there but not serving. The first row is retried
    # a minute later; the others are not tried against a server that is not serving: they
    # stay due, untouched, for the next round
    smtp_server.mode = "tempfail"
    rows = [write_verification(f"student{i}@example.org", capture) for i in range(3)]
    t0 = timezone.now()
    report, tempfail_seconds = timed_relay(t0)
    assert report == Relayed(retried=1, deferred=2)
    attempts = attempts_of(rows)
    assert attempts == [1, 0, 0]
    rows[0].refresh_from_db()
    assert rows[0].next_attempt_at == t0 + retry_delay(1)
    assert rows[0].last_error == "SMTPConnectError 421"

    # 3. the connection is accepted and nothing is ever said: the first send gives up after
    # EMAIL_TIMEOUT (1 s) and the round stops there, one timeout and not one per row
    smtp_server.mode = "hang"
    t1 = t0 + retry_delay(1) + SECOND
    report, hang_seconds = timed_relay(t1)
    assert report == Relayed(retried=1, deferred=2)
    assert 1 <= hang_seconds < 1 + 1.5
    assert sum(attempts_of(rows)) == 2  # one more attempt in all, on one row
    assert smtp_server.delivered == []
    for row in rows:
        row.refresh_from_db()
        assert row.status == "pending"
        assert row.last_error in ("", "SMTPConnectError 421", "SMTPServerDisconnected")

    # 4. back: all three go out, once each; a later relay sends nothing again
    smtp_server.mode = "accept"
    t2 = t1 + retry_delay(2) + SECOND
    report, accept_seconds = timed_relay(t2)
    assert report == Relayed(sent=3)
    for row in rows:
        row.refresh_from_db()
        assert row.status == "sent" and row.finished_at is not None
    assert outbox.relay(now=t2 + timedelta(days=1)) == Relayed()

    # the refused one, tried again by a coordinator once the address is fixed at the server
    assert outbox.retry_failed(refused.pk)
    assert outbox.relay(now=t2 + timedelta(days=1)) == Relayed(sent=1)
    refused.refresh_from_db()
    assert refused.status == "sent"

    assert sorted(smtp_server.delivered) == sorted(
        ["nobody@example.org"] + [f"student{i}@example.org" for i in range(3)]
    )
    assert OutboxMessage.objects.filter(status="pending").count() == 0
    with capsys.disabled():
        print(
            f"\n[smtp faults] refuse {refuse_seconds:.2f}s, tempfail {tempfail_seconds:.2f}s,"
            f" hang {hang_seconds:.2f}s (3 rows, EMAIL_TIMEOUT=1), accept {accept_seconds:.2f}s,"
            f" connections {smtp_server.connections}"
        )


def test_a_temporary_refusal_of_the_recipient_is_retried(
    smtp_server, django_capture_on_commit_callbacks
):
    """450 (mailbox busy, greylisting) at RCPT is temporary: the row should be retried."""
    smtp_server.mode, smtp_server.refuse_code = "refuse", 450
    row = write_verification("greylisted@example.org", django_capture_on_commit_callbacks)
    t0 = timezone.now()  # after the write: the row is due
    outbox.relay(now=t0)
    row.refresh_from_db()
    assert row.status == "pending", row.last_error
    smtp_server.mode = "accept"
    assert outbox.relay(now=t0 + retry_delay(1) + SECOND) == Relayed(sent=1)
    assert smtp_server.delivered == ["greylisted@example.org"]


def test_a_hanging_mail_server_does_not_hold_up_the_tasks_of_the_round(
    smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.mode = "hang"
    capture = django_capture_on_commit_callbacks
    emails = [write_verification(f"late{i}@example.org", capture) for i in range(2)]
    with capture(execute=False):
        task = outbox.start_task("test-purge", "core.outbox.tasks.purge_finished")
    assert outbox.relay(now=timezone.now()) == Relayed(sent=1, retried=1, deferred=1)
    task.refresh_from_db()
    assert task.status == "sent"
    assert sorted(attempts_of(emails)) == [0, 1]
