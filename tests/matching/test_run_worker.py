"""A match run started from a section goes through Redis to a real worker and runs there."""

import time
from datetime import UTC, datetime

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from config.celery import app as celery_app
from core.accounts.models import User
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from factories import ProfileFactory
from matching import services
from matching.models import MatchRun, Proposal

pytestmark = pytest.mark.celery_worker

HELD_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)


@pytest.fixture
def committed_students(django_db_setup, django_db_blocker):
    """Profiles the worker's own connection can see: committed in the test database (set up
    first, whatever the order of the tests), and removed afterwards with the outbox rows the
    test wrote. Rows pending from before (the coordinator's invitation of the session setup)
    wait until the test is over, so that the relay sends only what the test wrote."""
    with django_db_blocker.unblock():
        with schema_context("lille"):
            earlier = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
            held = dict(earlier.values_list("pk", "next_attempt_at"))
            earlier.update(next_attempt_at=HELD_UNTIL)
            last_row = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first()
            students = [ProfileFactory(buddy=True, capacity=1), ProfileFactory(), ProfileFactory()]
        yield students
        with schema_context("lille"):
            MatchRun.objects.all().delete()
            User.objects.filter(pk__in=[s.user_id for s in students]).delete()
            OutboxMessage.objects.filter(pk__gt=last_row or 0).delete()
            for pk, next_attempt_at in held.items():
                OutboxMessage.objects.filter(pk=pk).update(next_attempt_at=next_attempt_at)
        connection.set_schema_to_public()


@pytest.fixture
def relay_here(monkeypatch):
    """The outbox's relay runs in this process; the tasks it starts go through Redis.

    The test's worker consumes only its own queue, which this process publishes to; a task
    the worker published itself (the run, had the worker relayed) would go to the default
    queue, where nobody listens.
    """
    real_publish = outbox.publish
    started = []

    def publish(task_name: str, *args) -> None:
        if task_name == outbox.RELAY_TASK:
            outbox.relay()
        else:
            started.append((connection.schema_name, task_name, args))
            real_publish(task_name, *args)

    monkeypatch.setattr(outbox, "publish", publish)
    return started


def test_a_run_requested_in_lille_runs_in_lille_on_a_real_worker(
    celery_worker, committed_students, relay_here, django_db_blocker
):
    queue, _outbox = celery_worker
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        with django_db_blocker.unblock(), schema_context("lille"):
            run = services.request_match_run(None)  # autocommit: relayed at once
            assert relay_here == [("lille", services.RUN_TASK, (run.pk,))]
            assert OutboxMessage.objects.get(key=f"match-run:{run.pk}").status == "sent"
            deadline = time.monotonic() + 60
            while MatchRun.objects.get(pk=run.pk).in_progress and time.monotonic() < deadline:
                time.sleep(0.2)
            run = MatchRun.objects.get(pk=run.pk)
            assert run.status == "succeeded", run.error
            assert (run.incoming_count, run.matched) == (2, 1)
            assert Proposal.objects.filter(run=run).count() == 1
            # the worker wrote the waiting-list email of the student left waiting, in lille
            [waiting] = OutboxMessage.objects.filter(key__startswith="waiting-list:")
            assert waiting.key in {f"waiting-list:{s.pk}" for s in committed_students[1:]}
        with django_db_blocker.unblock(), schema_context("paris"):
            assert not MatchRun.objects.exists()
            assert not OutboxMessage.objects.filter(key__startswith="waiting-list:").exists()
    finally:
        celery_app.conf.task_default_queue = default_queue
