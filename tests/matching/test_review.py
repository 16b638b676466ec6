"""The review at scale: a constant number of queries per page, the score out of 100, the
new-pair search, and "confirm all" as a task that loses nothing."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.outbox.models import OutboxMessage
from factories import MatchRunFactory, PairFactory, ProfileFactory, ProposalFactory
from matching import services
from matching.engine.policy import DEFAULT_WEIGHTS, POINTS
from matching.models import Confirmation, Pair, Proposal, WaitingListEntry

pytestmark = pytest.mark.django_db

BEST = sum(DEFAULT_WEIGHTS.values()) * POINTS


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200, path
    return len(queries)


def _fill(run, count: int) -> None:
    for _ in range(count):
        proposal = ProposalFactory(run=run, score=BEST // 2)
        WaitingListEntry.objects.create(profile=ProfileFactory(), run=run, reason="combination")
        PairFactory(incoming=proposal.incoming, buddy=ProfileFactory(buddy=True, capacity=1))


def test_the_pages_cost_the_same_queries_with_3_or_60_rows(coordinator, lille, in_section):
    with in_section(lille):
        run = MatchRunFactory(snapshot={"weights": dict(DEFAULT_WEIGHTS)})
        _fill(run, 3)
    paths = [
        f"/coordinator/matching/runs/{run.pk}/",
        "/coordinator/matching/pairs/",
        "/coordinator/matching/waiting/",
        "/coordinator/matching/pairs/new/?incoming_q=a&buddy_q=a",
        "/coordinator/matching/pairs/new/find/incoming/?incoming_q=a",
        "/coordinator/follow-up/",
    ]
    for path in paths:  # the caches a first request fills (the host's section...)
        coordinator.get(path)
    few = {path: _queries(coordinator, path) for path in paths}
    with in_section(lille):
        _fill(run, 57)
    many = {path: _queries(coordinator, path) for path in paths}
    assert many == few
    page = coordinator.get(f"/coordinator/matching/runs/{run.pk}/").content.decode()
    assert "Page 1 of 2" in page  # 60 proposals, 50 a page


def test_the_review_shows_the_score_out_of_100_and_both_students(coordinator, lille, in_section):
    with in_section(lille):
        run = MatchRunFactory(snapshot={"weights": dict(DEFAULT_WEIGHTS)})
        weight = DEFAULT_WEIGHTS["shared_languages"]
        proposal = ProposalFactory(
            run=run,
            score=weight * POINTS,
            breakdown={"shared_languages": weight * POINTS},
            incoming=ProfileFactory(user__first_name="Sofia", user__last_name="Costa"),
            buddy=ProfileFactory(buddy=True, user__first_name="Sofia", user__last_name="Costa"),
        )
        waiting = ProfileFactory(user__first_name="Yuki")
        WaitingListEntry.objects.create(profile=waiting, run=run, reason="gender_preference")
    page = coordinator.get(f"/coordinator/matching/runs/{run.pk}/").content.decode()
    share = round(100 * weight * POINTS / BEST)
    assert f'<span class="score">{share}</span>' in page
    assert "<details" in page and "Shared languages" in page
    # two students of the same name are two links to two pages
    assert f'href="/coordinator/students/{proposal.incoming_id}/"' in page
    assert f'href="/coordinator/students/{proposal.buddy_id}/"' in page
    assert "Yuki" in page and "No buddy fitting the gender they asked for" in page
    low = coordinator.get(f"/coordinator/matching/runs/{run.pk}/?min_score={share + 1}")
    assert "No proposals match" in low.content.decode()


def test_the_new_pair_search_finds_by_name_and_shows_no_email(coordinator, lille, in_section):
    with in_section(lille):
        ana = ProfileFactory(user__first_name="Ana", user__last_name="Lopez")
        ProfileFactory(user__first_name="Bruno", user__last_name="Silva")
    fragment = coordinator.get(
        "/coordinator/matching/pairs/new/find/incoming/?incoming_q=lop"
    ).content.decode()
    assert "Ana Lopez" in fragment and "Bruno" not in fragment
    assert f'value="{ana.pk}"' in fragment and "@" not in fragment
    assert "<html" not in fragment  # a fragment for htmx
    page = coordinator.get("/coordinator/matching/pairs/new/").content.decode()
    assert "Bruno" not in page and "@example.org" not in page  # nobody listed before a search
    assert 'src="/static/js/htmx.min.js"' in page and 'hx-get="' in page
    assert coordinator.get("/coordinator/matching/pairs/new/find/nobody/").status_code == 404


def _run_with_proposals(count: int):
    run = MatchRunFactory()
    for _ in range(count):
        ProposalFactory(run=run, buddy=ProfileFactory(buddy=True, capacity=1))
    left = ProfileFactory(user__email="left@example.org")
    WaitingListEntry.objects.create(profile=left, run=run, reason="no_buddy_available")
    return run


def test_confirm_all_asks_first_then_runs_as_a_task_with_every_email(
    coordinator, lille, in_section, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "CONFIRM_BATCH", 2)  # several batches
    with in_section(lille):
        run = _run_with_proposals(5)
    decide = f"/coordinator/matching/runs/{run.pk}/decide/"
    asked = coordinator.post(decide, {"action": "confirm_all"}).content.decode()
    assert "5 pairs will be made, and 10 emails sent" in asked
    assert "1 student this run left waiting is told" in asked
    with in_section(lille):
        assert not Confirmation.objects.exists() and not Pair.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(decide, {"action": "confirm_all", "sure": "yes"})
    assert response.status_code == 302
    with in_section(lille):
        confirmation = Confirmation.objects.get()
        assert (confirmation.status, confirmation.confirmed, confirmation.total) == ("done", 5, 5)
        keys = set(OutboxMessage.objects.values_list("key", flat=True))
        for pair in Pair.objects.all():
            assert {f"pair-confirmed:{pair.pk}:{pair.incoming_id}"} <= keys
            assert {f"pair-confirmed:{pair.pk}:{pair.buddy_id}"} <= keys
        assert Pair.objects.count() == 5
        assert WaitingListEntry.objects.get().told_at is not None
    assert len(mail.outbox) == 11  # two per pair, and the waiting student's
    page = coordinator.get(f"/coordinator/matching/runs/{run.pk}/").content.decode()
    assert "Last confirmation: 5 pairs confirmed" in page


def test_a_confirmation_whose_worker_died_is_resumed_and_counts_each_pair_once(
    lille, in_section, django_capture_on_commit_callbacks, monkeypatch, coordinator_user
):
    monkeypatch.setattr(services, "CONFIRM_BATCH", 2)
    with in_section(lille):
        run = _run_with_proposals(5)
        with django_capture_on_commit_callbacks(execute=False):  # the task never ran...
            confirmation = services.start_confirmation(coordinator_user, run)
            # ...or its worker died after the first batch was committed
            services.confirm_proposals(coordinator_user, confirmation.proposal_ids[:2])
        Confirmation.objects.filter(pk=confirmation.pk).update(
            updated_at=timezone.now() - dt.timedelta(minutes=10)
        )
        assert services.resume_stale_confirmations() == 1
        task = OutboxMessage.objects.get(key=f"confirm:{confirmation.pk}:2")
        assert task.kind == OutboxMessage.Kind.TASK
        services.execute_confirmation(confirmation.pk)  # the task, started again
        confirmation.refresh_from_db()
        assert confirmation.status == "done"
        assert Pair.objects.count() == 5
        assert Proposal.objects.filter(status="confirmed").count() == 5
        assert OutboxMessage.objects.filter(key__startswith="pair-confirmed:").count() == 10
        services.execute_confirmation(confirmation.pk)  # once more: nothing changes
        assert Pair.objects.count() == 5
        assert services.resume_stale_confirmations() == 0
