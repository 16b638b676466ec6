"""Shared fixtures of the events and messages tests."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django_tenants.utils import schema_context

from core.events.models import Event
from core.outbox.models import OutboxMessage

HELD_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)


def _make_event(**fields) -> Event:
    starts_at = fields.pop("starts_at", timezone.now() + timedelta(days=7))
    values = {
        "title": "Welcome picnic",
        "starts_at": starts_at,
        "place": "Citadelle park",
        "capacity": 2,
        "description": "Bring food to share.",
    } | fields
    return Event.objects.create(**values)


@pytest.fixture
def make_event():
    """`make_event(**fields)`: an event of the current section, published, in a week."""
    return _make_event


@pytest.fixture(autouse=True)
def earlier_outbox_held(django_db_setup, django_db_blocker):
    """Rows already pending in the sections' outboxes before the test (the session's
    onboarding leaves each coordinator's invitation there) wait until the test is over: a
    relay in the test sends the test's own emails only. Put back as they were afterwards,
    also in the tests that commit (their workers relay a real outbox)."""
    from tenants.models import Section

    with django_db_blocker.unblock():
        held = {}
        for schema in Section.objects.values_list("schema_name", flat=True):
            with schema_context(schema):
                pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
                held[schema] = dict(pending.values_list("pk", "next_attempt_at"))
                pending.filter(pk__in=held[schema]).update(next_attempt_at=HELD_UNTIL)
    yield
    with django_db_blocker.unblock():
        for schema, rows in held.items():
            with schema_context(schema):
                for pk, next_attempt_at in rows.items():
                    OutboxMessage.objects.filter(
                        pk=pk, status=OutboxMessage.Status.PENDING, next_attempt_at=HELD_UNTIL
                    ).update(next_attempt_at=next_attempt_at)


@pytest.fixture
def django_capture_on_commit_callbacks(django_capture_on_commit_callbacks):
    """pytest-django's, except that with `execute=True` each callback is taken off the
    connection before it runs, as a real commit does.

    The outbox kicks its relay once per transaction: it looks for its kick among the
    connection's pending callbacks. pytest-django leaves the callbacks it ran there, so the
    emails of a second `execute=True` block in a test would find the old kick and never be
    relayed (and a test that expects no email would pass whatever was written).
    """

    @contextmanager
    def capture(*, using=DEFAULT_DB_ALIAS, execute=False):
        if not execute:
            with django_capture_on_commit_callbacks(using=using) as callbacks:
                yield callbacks
            return
        connection = connections[using]
        start = len(connection.run_on_commit)
        callbacks = []
        try:
            yield callbacks
        finally:
            while len(connection.run_on_commit) > start:
                committed = connection.run_on_commit[start:]
                del connection.run_on_commit[start:]
                for _savepoints, callback, _robust in committed:
                    callbacks.append(callback)
                    callback()

    return capture
