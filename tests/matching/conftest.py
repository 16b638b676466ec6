"""Commits as the outbox sees them, and an outbox that holds only what the test wrote."""

from contextlib import contextmanager

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django_tenants.utils import schema_context


@pytest.fixture
def django_capture_on_commit_callbacks(django_capture_on_commit_callbacks):
    """pytest-django's, except that the callbacks leave the connection as a real commit
    takes them: with `execute=True` each is taken off before it runs; with `execute=False`
    they are dropped unrun, as if the commit happened and its relay kick was lost (the broker
    was down): the outbox rows stay pending for a later relay.

    The outbox kicks its relay once per transaction: it looks for its kick among the
    connection's pending callbacks. pytest-django leaves the callbacks it captured there, so
    a later `execute=True` block in the same test, or an email written while the relay runs
    (the waiting-list emails of a run the relay started), would find the old kick and never
    be relayed.
    """

    @contextmanager
    def capture(*, using=DEFAULT_DB_ALIAS, execute=False):
        connection = connections[using]
        if not execute:
            with django_capture_on_commit_callbacks(using=using) as callbacks:
                yield callbacks
            connection.run_on_commit = [
                entry for entry in connection.run_on_commit if entry[1] not in callbacks
            ]
            return
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


@pytest.fixture(autouse=True)
def outbox_of_this_test_only(request):
    """Rows left pending by the session setup (the coordinators' invitations, written while
    no relay ran) would be sent by the first relay of a test: mark them done, in the test's
    transaction, so that mail.outbox holds only what the test caused."""
    if request.node.get_closest_marker("django_db") is None:
        return
    from core.outbox.models import OutboxMessage

    for section in (request.getfixturevalue("lille"), request.getfixturevalue("paris")):
        with schema_context(section.schema_name):
            OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).update(
                status=OutboxMessage.Status.SKIPPED
            )
