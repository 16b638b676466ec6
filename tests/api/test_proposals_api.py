"""A run's proposals through the API: the review's explanations, its filters, confirming as a
task (once per idempotency key, each pair's emails once), rejecting, the waiting students."""

import pytest
from django.core import mail
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEvent
from core.outbox.models import OutboxMessage
from factories import HobbyFactory, MatchRunFactory, PairFactory, ProfileFactory, ProposalFactory
from matching import actions, review, services
from matching.engine.policy import DEFAULT_WEIGHTS
from matching.explanations import hobby_names
from matching.followup.models import CheckIn
from matching.models import Confirmation, ForbiddenPair, MatchRun, Pair, Proposal, WaitingListEntry

pytestmark = pytest.mark.django_db


def proposals_url(run: MatchRun, query: str = "") -> str:
    return f"/api/v1/match-runs/{run.pk}/proposals/" + (f"?{query}" if query else "")


def post(client, url: str, body: dict | None = None, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, body or {}, content_type="application/json", **headers)


@pytest.fixture
def run(lille, in_section, coordinator_user, django_capture_on_commit_callbacks) -> MatchRun:
    """A real run: three pairs scored by the engine (shared hobbies, languages, ages...), and
    one incoming student left waiting for want of a buddy."""
    with in_section(lille):
        cooking, hiking = HobbyFactory(name="Cooking"), HobbyFactory(name="Hiking")
        for number in range(3):
            incoming = ProfileFactory(user__first_name=f"Incoming{number}", user__last_name="Ruiz")
            buddy = ProfileFactory(buddy=True, capacity=1, user__first_name=f"Buddy{number}")
            incoming.hobbies.add(cooking, hiking)
            buddy.hobbies.add(cooking)
        ProfileFactory(user__first_name="Yuki", languages=["ja"], nationality="JP")
        with django_capture_on_commit_callbacks(execute=True):
            started = services.request_match_run(coordinator_user)
        return MatchRun.objects.get(pk=started.pk)


def test_the_proposals_carry_the_reviews_explanations(coordinator, lille, in_section, run):
    body = coordinator.get(proposals_url(run)).json()
    assert body["count"] == 3
    with in_section(lille):
        page = Paginator(review.proposals(run, {}), 50).get_page(1)
        rows = review.rows(page, run, hobby_names())
    assert [p["id"] for p in body["results"]] == [row.proposal.pk for row in rows]
    for listed, row in zip(body["results"], rows, strict=True):
        assert listed["score"] == row.score and listed["raw_score"] == row.proposal.score
        assert listed["reasons"] == row.reasons
        assert listed["breakdown"] == [
            {"criterion": p.criterion, "label": p.label, "earned": p.earned, "out_of": p.out_of}
            for p in row.breakdown
        ]
        assert listed["incoming"]["name"] == row.proposal.incoming.user.get_full_name()
        assert listed["incoming"]["languages"] == ["en", "es"]
        assert listed["buddy"]["id"] == row.proposal.buddy_id
        assert "email" not in listed["incoming"] and "phone" not in listed["buddy"]
    first = body["results"][0]
    assert "1 shared hobby (Cooking)" in first["reasons"]
    assert {"criterion": "shared_hobbies", "label": "Shared hobbies"}.items() <= next(
        part for part in first["breakdown"] if part["criterion"] == "shared_hobbies"
    ).items()
    # the same words and scores as the web page's
    page = coordinator.get(f"/coordinator/matching/runs/{run.pk}/").content.decode()
    assert f'<span class="score">{first["score"]}</span>' in page
    assert "1 shared hobby (Cooking)" in page


def test_the_reviews_filters_and_sorting(coordinator, lille, in_section, run):
    with in_section(lille):
        confirmed = run.proposals.order_by("pk").first()
        Proposal.objects.filter(pk=confirmed.pk).update(status=Proposal.Status.CONFIRMED)
    only = coordinator.get(proposals_url(run, "status=confirmed")).json()["results"]
    assert [p["id"] for p in only] == [confirmed.pk]
    to_decide = coordinator.get(proposals_url(run, "status=proposed")).json()
    assert to_decide["count"] == 2
    named = coordinator.get(proposals_url(run, "search=buddy1")).json()["results"]
    assert [p["buddy"]["name"].split()[0] for p in named] == ["Buddy1"]
    by_name = coordinator.get(proposals_url(run, "sort=buddy__user__last_name")).json()
    assert by_name["count"] == 3
    assert coordinator.get(proposals_url(run, "min_score=100")).json()["count"] == 0
    assert coordinator.get(proposals_url(run, "nationality=JP")).json()["count"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [("min_score=abc", "min_score"), ("min_score=101", "min_score"), ("sort=password", "sort")],
)
def test_a_bad_filter_is_a_400_naming_it(coordinator, run, query, field):
    response = coordinator.get(proposals_url(run, query))
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def confirm_url(run: MatchRun) -> str:
    return f"/api/v1/match-runs/{run.pk}/proposals/confirm/"


def test_confirming_all_twice_with_one_key_confirms_and_emails_once(
    coordinator, lille, in_section, run, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = post(coordinator, confirm_url(run), {"all": True}, key="confirm-run-1")
    assert first.status_code == 202, first.content
    with django_capture_on_commit_callbacks(execute=True):
        again = post(coordinator, confirm_url(run), {"all": True}, key="confirm-run-1")
    assert again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert (first.json()["total"], first.json()["as_offers"]) == (3, False)
    with in_section(lille):
        confirmation = Confirmation.objects.get()
        assert (confirmation.status, confirmation.confirmed) == ("done", 3)
        assert Pair.objects.count() == 3
        for pair in Pair.objects.all():
            for student in (pair.incoming_id, pair.buddy_id):
                assert (
                    OutboxMessage.objects.filter(key=f"pair-confirmed:{pair.pk}:{student}").count()
                    == 1
                )
        assert OutboxMessage.objects.filter(key__startswith="pair-confirmed:").count() == 6
        assert AuditEvent.objects.filter(action=actions.PROPOSALS_CONFIRMING).count() == 1
        assert AuditEvent.objects.filter(action=actions.PAIR_CONFIRMED).count() == 3
        # the student the run left waiting is told with the confirmation, once
        assert WaitingListEntry.objects.get().told_at is not None
    assert len(mail.outbox) == 7  # two per pair, and Yuki's waiting-list email
    status = coordinator.get(f"/api/v1/confirmations/{first.json()['id']}/").json()
    assert (status["status"], status["confirmed"], status["skipped"], status["percent"]) == (
        "done",
        3,
        0,
        100,
    )
    # the same key for another request is refused, and does nothing
    other = post(coordinator, confirm_url(run), {"proposals": [1]}, key="confirm-run-1")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    # nothing left to confirm
    nothing = post(coordinator, confirm_url(run), {"all": True})
    assert nothing.status_code == 400 and list(nothing.json()["fields"]) == ["all"]


def test_confirming_some_confirms_only_those_of_this_run(
    coordinator, lille, in_section, run, django_capture_on_commit_callbacks
):
    with in_section(lille):
        chosen = run.proposals.order_by("pk").first()
        other_run = ProposalFactory(run=MatchRunFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = post(coordinator, confirm_url(run), {"proposals": [chosen.pk, other_run.pk]})
    assert response.status_code == 202 and response.json()["total"] == 1
    with in_section(lille):
        assert list(Pair.objects.values_list("proposal_id", flat=True)) == [chosen.pk]
        assert Proposal.objects.get(pk=other_run.pk).status == "proposed"
    progress = coordinator.get(f"/api/v1/confirmations/{response.json()['id']}/").json()
    assert progress["confirmed"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "proposals"), ({"proposals": []}, "proposals"), ({"proposals": ["x"]}, "proposals")],
)
def test_confirming_nothing_is_a_400_naming_the_proposals(
    coordinator, lille, in_section, run, body, field
):
    response = post(coordinator, confirm_url(run), body)
    assert response.status_code == 400 and list(response.json()["fields"]) == [field]
    with in_section(lille):
        assert not Confirmation.objects.exists()


def test_proposals_already_decided_are_a_400(coordinator, lille, in_section, run):
    with in_section(lille):
        ids = list(run.proposals.values_list("pk", flat=True))
        run.proposals.update(status=Proposal.Status.REJECTED)
    response = post(coordinator, confirm_url(run), {"proposals": ids})
    assert response.status_code == 400
    assert response.json()["fields"] == {"proposals": ["Select at least one proposal to decide."]}


def test_rejecting_forbids_the_pairs_for_later_runs(coordinator, lille, in_section, run):
    with in_section(lille):
        rejected = run.proposals.order_by("pk").first()
    url = f"/api/v1/match-runs/{run.pk}/proposals/reject/"
    response = post(coordinator, url, {"proposals": [rejected.pk]})
    assert response.status_code == 200 and response.json() == {"done": 1, "skipped": 0}
    with in_section(lille):
        rejected.refresh_from_db()
        assert rejected.status == "rejected" and rejected.decided_by is not None
        assert ForbiddenPair.objects.filter(
            incoming_id=rejected.incoming_id, buddy_id=rejected.buddy_id
        ).exists()
        assert AuditEvent.objects.filter(action=actions.PROPOSALS_REJECTED).count() == 1
        assert not Pair.objects.exists()
    # once rejected it is no longer to decide
    again = post(coordinator, url, {"proposals": [rejected.pk]})
    assert again.status_code == 400 and "proposals" in again.json()["fields"]


def test_telling_the_waiting_students_emails_each_once(
    coordinator, lille, in_section, run, django_capture_on_commit_callbacks
):
    url = f"/api/v1/match-runs/{run.pk}/tell-waiting/"
    with django_capture_on_commit_callbacks(execute=True):
        first = post(coordinator, url, key="tell-1")
        again = post(coordinator, url, key="tell-1")
    assert first.json() == again.json() == {"told": 1}
    assert len(mail.outbox) == 1
    nobody = post(coordinator, url)
    assert nobody.status_code == 400 and nobody.json()["message"] == "Nobody is left to tell."


def test_the_waiting_students_with_their_runs_reason(coordinator, lille, paris, in_section, run):
    with in_section(lille):
        newcomer = ProfileFactory(user__first_name="Newcomer")
        PairFactory(incoming=ProfileFactory(user__first_name="Paired"))
        yuki = WaitingListEntry.objects.get().profile
    with in_section(paris):
        ProfileFactory(user__first_name="Parisienne")
    body = coordinator.get("/api/v1/waiting/").json()
    names = {student["name"].split()[0] for student in body["results"]}
    # the run's proposals are not paired yet: their students still wait
    assert names == {"Incoming0", "Incoming1", "Incoming2", "Yuki", "Newcomer"}
    by_id = {student["id"]: student for student in body["results"]}
    assert by_id[yuki.pk]["last_run"] == {
        "reason": "common_language",
        "label": "No buddy speaking one of their languages",
        "run": run.pk,
        "told_at": None,
    }
    assert by_id[newcomer.pk]["last_run"] is None
    assert by_id[yuki.pk]["nationality"] == "JP" and "email" not in by_id[yuki.pk]


def _fill(run: MatchRun, count: int) -> None:
    """`count` more rows in every matching list: proposals, waiting students, pairs (asking
    for a new buddy), runs."""
    for _ in range(count):
        ProposalFactory(run=run, buddy=ProfileFactory(buddy=True, capacity=1))
        WaitingListEntry.objects.create(profile=ProfileFactory(), run=run, reason="combination")
        pair = PairFactory()
        CheckIn.objects.create(
            pair=pair, profile=pair.incoming, answer="new_buddy", answered_at=timezone.now()
        )
        MatchRunFactory(snapshot={"weights": dict(DEFAULT_WEIGHTS)})


def test_every_list_costs_the_same_queries_with_2_or_12_rows(coordinator, lille, in_section):
    with in_section(lille):
        run = MatchRunFactory(snapshot={"weights": dict(DEFAULT_WEIGHTS)})
        _fill(run, 2)
    paths = [
        "/api/v1/match-runs/",
        proposals_url(run),
        "/api/v1/waiting/",
        "/api/v1/pairs/",
        "/api/v1/follow-up/",
    ]

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert coordinator.get(path).status_code == 200, path
        return len(captured)

    for path in paths:  # the caches a first request fills (the host's section...)
        coordinator.get(path)
    few = {path: queries(path) for path in paths}
    with in_section(lille):
        _fill(run, 10)
    assert {path: queries(path) for path in paths} == few
