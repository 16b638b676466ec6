"""The match-run endpoints: one run at a time, its progress for polling, its figures."""

import pytest
from django.test import Client

from api.tokens import create_token
from core.models import AuditEvent
from factories import MatchRunFactory, ProfileFactory
from matching import actions
from matching.models import MatchRun, Proposal, WaitingListEntry

pytestmark = pytest.mark.django_db

START = "/api/v1/match-runs/start/"


def run_url(run_id: int) -> str:
    return f"/api/v1/match-runs/{run_id}/"


@pytest.fixture
def students(lille, in_section):
    """Two incoming students and one buddy with one place: one is matched, one left waiting
    (no free place), and one who speaks only Japanese has nobody to talk to."""
    with in_section(lille):
        first = ProfileFactory(user__first_name="Ana")
        second = ProfileFactory(user__first_name="Marta")
        alone = ProfileFactory(user__first_name="Yuki", languages=["ja"], nationality="JP")
        buddy = ProfileFactory(buddy=True, capacity=1)
    return first, second, alone, buddy


def test_a_run_starts_runs_and_reports_its_figures(
    coordinator, lille, in_section, students, django_capture_on_commit_callbacks
):
    _first, _second, alone, _buddy = students
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(START, {}, content_type="application/json")
    assert response.status_code == 202, response.content
    started = response.json()
    assert started["status"] == "queued" and started["result"] is None
    assert started["requested_by"] == "coordinator@lille.example.org"

    run = coordinator.get(run_url(started["id"])).json()
    assert (run["status"], run["progress"], run["error"]) == ("succeeded", 100, "")
    # what the review page sums up: one proposal to decide, two students not told yet
    assert (run["to_decide"], run["not_told"], run["latest_confirmation"]) == (1, 2, None)
    with in_section(lille):
        row = MatchRun.objects.get(pk=started["id"])
        assert Proposal.objects.filter(run=row).count() == 1
        assert AuditEvent.objects.filter(action=actions.MATCH_RUN_STARTED).count() == 1
        reasons = dict(WaitingListEntry.objects.values_list("profile_id", "reason"))
    result = run["result"]
    assert result["incoming_count"] == 3 and result["buddy_count"] == 1
    assert (result["matched"], result["left_waiting"]) == (1, 2)
    assert result["optimal"] is True and result["seconds"] == row.seconds
    assert result["total_score"] == row.total_score == result["lowest_score"]
    assert 0 < result["lowest_score_100"] <= 100
    # Yuki speaks no language any buddy speaks: no possible buddy at all, and why
    assert result["without_candidates"] == 1
    assert result["without_candidates_reasons"] == [
        {"reason": "common_language", "label": "no common language", "count": 1}
    ]
    assert reasons[alone.pk] == "common_language"

    listed = coordinator.get("/api/v1/match-runs/").json()
    assert [r["id"] for r in listed["results"]] == [started["id"]]


def test_one_run_at_a_time(coordinator, lille, in_section, students):
    """Without the broker's kick the run stays queued: a second start is a 409, nothing new."""
    assert coordinator.post(START, {}, content_type="application/json").status_code == 202
    second = coordinator.post(START, {}, content_type="application/json")
    assert second.status_code == 409
    assert second.json()["code"] == "run_in_progress"
    assert "already in progress" in second.json()["message"]
    with in_section(lille):
        assert MatchRun.objects.count() == 1
        assert AuditEvent.objects.filter(action=actions.MATCH_RUN_STARTED).count() == 1


def test_a_run_for_some_students_only(
    coordinator, lille, in_section, students, django_capture_on_commit_callbacks
):
    _first, second, _alone, _buddy = students
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(
            START, {"students": [second.pk]}, content_type="application/json"
        )
    assert response.json()["only_for"] == [second.pk]
    with in_section(lille):
        proposal = Proposal.objects.get()
    assert proposal.incoming_id == second.pk
    assert coordinator.get(run_url(response.json()["id"])).json()["result"]["incoming_count"] == 1


@pytest.mark.parametrize(
    "body", [{"students": ["x"]}, {"students": [0]}, {"students": "12"}, {"students": [None]}]
)
def test_a_bad_list_of_students_is_a_400_naming_it(coordinator, lille, in_section, body):
    response = coordinator.post(START, body, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["students"]
    with in_section(lille):
        assert not MatchRun.objects.exists()


def test_polling_a_run_is_answered_304_until_it_moves(coordinator, lille, in_section):
    with in_section(lille):
        run = MatchRunFactory(
            status=MatchRun.Status.RUNNING, progress=30, progress_note="scoring and solving"
        )
    first = coordinator.get(run_url(run.pk))
    body = first.json()
    assert (body["status"], body["progress"], body["progress_note"]) == (
        "running",
        30,
        "scoring and solving",
    )
    assert body["result"] is None  # no figures before the run succeeded
    tag = first["ETag"]
    assert coordinator.get(run_url(run.pk), HTTP_IF_NONE_MATCH=tag).status_code == 304
    with in_section(lille):
        MatchRun.objects.filter(pk=run.pk).update(progress=80, progress_note="writing proposals")
    moved = coordinator.get(run_url(run.pk), HTTP_IF_NONE_MATCH=tag)
    assert moved.status_code == 200 and moved.json()["progress"] == 80


def test_a_failed_run_says_why_and_has_no_figures(coordinator, lille, in_section):
    with in_section(lille):
        run = MatchRunFactory(status=MatchRun.Status.FAILED, error="The worker stopped answering.")
    body = coordinator.get(run_url(run.pk)).json()
    assert (body["status"], body["error"], body["result"]) == (
        "failed",
        "The worker stopped answering.",
        None,
    )


def test_the_list_holds_only_this_sections_runs(lille, paris, in_section, coordinator_user):
    with in_section(paris):
        MatchRunFactory()
    with in_section(lille):
        older, newer = MatchRunFactory(), MatchRunFactory()
        secret = create_token(coordinator_user, name="CI", scope="read", expiry_days=7)[1]
    listed = Client(HTTP_HOST=lille.host).get(
        "/api/v1/match-runs/", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert listed.json()["count"] == 2  # not Paris's
    assert [run["id"] for run in listed.json()["results"]] == [newer.pk, older.pk]
