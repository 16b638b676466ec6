"""Two relays at once, each on its own connection, over committed rows: each email is sent
exactly once (SELECT ... FOR UPDATE SKIP LOCKED, sent while the row is locked, and claimed only
while it is still due).

Not in a test transaction: each thread has its own connection and must see committed rows.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from core.emails import VERIFY_EMAIL
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage, OutboxMessageQuerySet
from core.outbox.services import Relayed
from factories import ProfileFactory
from threads import relays_at_once

STUDENTS = 12


@pytest.fixture
def committed_rows(committed_lille, django_db_blocker):
    """Verification emails to 12 students, committed in lille and not relayed on commit (the
    test's relays send them); removed afterwards by `committed_lille`."""
    with django_db_blocker.unblock(), schema_context("lille"):
        students = [ProfileFactory(email_verified_at=None) for _ in range(STUDENTS)]
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(outbox, "kick_after_commit", lambda: None)
            for student in students:
                outbox.send_email(
                    f"verify-email:{student.user_id}", VERIFY_EMAIL, user=student.user_id
                )
        emails = {student.user.email for student in students}
        keys = [f"verify-email:{student.user_id}" for student in students]
    connection.set_schema_to_public()
    return emails, keys


def test_two_relays_at_once_send_each_email_exactly_once(
    committed_rows, mail_server, django_db_blocker
):
    emails, keys = committed_rows
    mail_server.delay = 0.05  # a slow mail server: the two relays overlap
    with django_db_blocker.unblock():
        reports = relays_at_once(2)
        with schema_context("lille"):
            rows = set(
                OutboxMessage.objects.filter(key__in=keys)
                .values_list("status", "attempts")
                .distinct()
            )
    connection.set_schema_to_public()
    assert Counter(mail_server.delivered) == Counter(emails)  # each one, once
    assert mail_server.tries == STUDENTS  # none tried twice
    assert rows == {("sent", 1)}
    # both relays took their share
    assert len(reports) == 2 and all(report.sent > 0 for report in reports)
    assert sum(report.sent for report in reports) == STUDENTS


def test_a_relay_does_not_send_what_another_sent_after_it_listed_the_rows(
    committed_rows, mail_server, django_db_blocker, monkeypatch
):
    """The late relay lists the 12 due rows, then the other relay sends them all before the
    late one claims any: it finds them sent (its claim checks again that they are due)."""
    emails, keys = committed_rows
    listed, other_done = threading.Event(), threading.Event()
    claim = OutboxMessageQuerySet.select_for_update

    def claim_after_the_other(self, *args, **kwargs):
        if threading.current_thread().name == "late-relay" and not other_done.is_set():
            listed.set()
            other_done.wait(timeout=30)
        return claim(self, *args, **kwargs)

    monkeypatch.setattr(OutboxMessageQuerySet, "select_for_update", claim_after_the_other)
    errors, late = [], []

    def late_relay():
        try:
            with schema_context("lille"):
                late.append(outbox.relay())
        except Exception as error:
            errors.append(error)
        finally:
            listed.set()
            connection.close()

    with django_db_blocker.unblock():
        thread = threading.Thread(target=late_relay, name="late-relay")
        thread.start()
        try:
            assert listed.wait(timeout=30)
            with schema_context("lille"):
                first = outbox.relay()
        finally:
            other_done.set()
            thread.join(timeout=60)
        assert errors == []
        with schema_context("lille"):
            rows = set(
                OutboxMessage.objects.filter(key__in=keys)
                .values_list("status", "attempts")
                .distinct()
            )
    connection.set_schema_to_public()
    assert first.sent == STUDENTS
    assert late == [Relayed()]
    assert Counter(mail_server.delivered) == Counter(emails)
    assert rows == {("sent", 1)}


@pytest.mark.django_db
def test_a_relay_takes_only_the_pending_rows_that_are_due(lille, in_section, mail_server):
    # (also makes this module set up the test database when it runs alone)
    with in_section(lille):
        due, later, sent, failed, skipped = (
            ProfileFactory(email_verified_at=None) for _ in range(5)
        )
        now = timezone.now()
        for student, fields in (
            (due, {}),
            (later, {"next_attempt_at": now + timedelta(minutes=5)}),
            (sent, {"status": "sent"}),
            (failed, {"status": "failed"}),
            (skipped, {"status": "skipped"}),
        ):
            OutboxMessage.objects.create(
                key=f"verify-email:{student.user_id}",
                kind="email",
                name=VERIFY_EMAIL,
                args={"user": student.user_id},
                **fields,
            )
        assert outbox.relay(now=now + timedelta(seconds=1)).sent == 1
        assert mail_server.delivered == [due.user.email]
        assert outbox.relay(now=now + timedelta(minutes=5)).sent == 1
        assert mail_server.delivered == [due.user.email, later.user.email]
        assert outbox.relay(now=now + timedelta(days=1)).sent == 0
