"""A match run started from a section goes through Redis to a real worker and runs there:
the commit kicks the worker's outbox relay, which starts the run on the same worker."""

import time

import pytest
from django_tenants.utils import schema_context

from core.outbox.models import OutboxMessage
from factories import ProfileFactory
from matching import services
from matching.models import MatchRun, Proposal, WaitingListEntry

pytestmark = pytest.mark.celery_worker


def wait_until_finished(run: MatchRun, timeout: float = 60) -> MatchRun:
    deadline = time.monotonic() + timeout
    while MatchRun.objects.get(pk=run.pk).in_progress and time.monotonic() < deadline:
        time.sleep(0.2)
    return MatchRun.objects.get(pk=run.pk)


def test_a_run_requested_in_lille_runs_in_lille_on_a_real_worker(
    celery_worker, committed_lille, django_db_blocker
):
    with django_db_blocker.unblock(), schema_context("lille"):
        students = [ProfileFactory(buddy=True, capacity=1), ProfileFactory(), ProfileFactory()]
        run = services.request_match_run(None)  # autocommit: committed and kicked at once
        run = wait_until_finished(run)
        assert run.status == "succeeded", run.error
        assert (run.incoming_count, run.matched) == (2, 1)
        assert Proposal.objects.filter(run=run).count() == 1
        assert OutboxMessage.objects.get(key=f"match-run:{run.pk}").status == "sent"
        # the worker recorded the student left waiting, in lille (told after the review)
        [waiting] = WaitingListEntry.objects.all()
        assert waiting.profile_id in {s.pk for s in students[1:]}
        assert not OutboxMessage.objects.filter(key__startswith="waiting-list:").exists()
    with django_db_blocker.unblock(), schema_context("paris"):
        assert not MatchRun.objects.exists()
        assert not OutboxMessage.objects.filter(key__startswith="waiting-list:").exists()
