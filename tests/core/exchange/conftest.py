"""Shared pieces of the CSV import tests."""

import csv
import io
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from core.exchange.importing import HEADER
from core.models import PlaceOfStudy
from core.outbox.models import OutboxMessage


@pytest.fixture(autouse=True)
def earlier_outbox_skipped(db, lille, paris, in_section):
    """The session's onboarding leaves each coordinator's invitation pending in its section's
    outbox: skipped here (in the test's transaction), so that a relay in the test sends the
    invitations of the test's imports only."""
    for section in (lille, paris):
        with in_section(section):
            OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).update(
                status=OutboxMessage.Status.SKIPPED
            )


@pytest.fixture
def place(lille, in_section) -> PlaceOfStudy:
    with in_section(lille):
        return PlaceOfStudy.objects.create(name="Université de Lille")


@pytest.fixture
def row():
    """One good line of the import file, as a dict; `n` makes the email unique."""

    def make(n: int = 0, **overrides) -> dict:
        today = timezone.localdate()
        values = {
            "email": f"incoming{n}@example.org",
            "first_name": "Ana",
            "last_name": f"García {n}",
            "nationality": "ES",
            "arrival_date": str(today + timedelta(days=30)),
            "departure_date": (today + timedelta(days=150)).strftime("%d/%m/%Y"),
            "place_of_study": "université de lille",
            "home_university": "Universidad de Granada",
        }
        return {**values, **overrides}

    return make


@pytest.fixture
def csv_bytes():
    """The bytes of a CSV file with `rows` (dicts or lists) under `header`."""

    def make(rows, header=HEADER, delimiter=",", encoding="utf-8") -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter)
        writer.writerow(header)
        for values in rows:
            writer.writerow(
                [values[name] for name in header] if isinstance(values, dict) else values
            )
        return buffer.getvalue().encode(encoding)

    return make


@pytest.fixture
def upload():
    def make(content: bytes, name="students.csv", content_type="text/csv") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, content, content_type=content_type)

    return make


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
