"""A match run started from a section goes through Redis to a real worker and runs there."""

import time

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from config.celery import app as celery_app
from core.accounts.models import User
from factories import ProfileFactory
from matching import services
from matching.models import MatchRun, Proposal

pytestmark = pytest.mark.celery_worker


@pytest.fixture
def committed_students(django_db_blocker):
    """Profiles the worker's own connection can see: committed, and removed afterwards."""
    with django_db_blocker.unblock():
        with schema_context("lille"):
            students = [ProfileFactory(buddy=True, capacity=1), ProfileFactory(), ProfileFactory()]
        yield students
        with schema_context("lille"):
            MatchRun.objects.all().delete()
            User.objects.filter(pk__in=[s.user_id for s in students]).delete()
        connection.set_schema_to_public()


def test_a_run_requested_in_lille_runs_in_lille_on_a_real_worker(
    celery_worker, committed_students, django_db_blocker
):
    queue, _outbox = celery_worker
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        with django_db_blocker.unblock(), schema_context("lille"):
            run = services.request_match_run(None)  # autocommit: sent at once
            deadline = time.monotonic() + 60
            while MatchRun.objects.get(pk=run.pk).in_progress and time.monotonic() < deadline:
                time.sleep(0.2)
            run = MatchRun.objects.get(pk=run.pk)
            assert run.status == "succeeded", run.error
            assert (run.incoming_count, run.matched) == (2, 1)
            assert Proposal.objects.filter(run=run).count() == 1
        with django_db_blocker.unblock(), schema_context("paris"):
            assert not MatchRun.objects.exists()
    finally:
        celery_app.conf.task_default_queue = default_queue
