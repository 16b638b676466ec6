"""Pairs through the API: the pairs page's list, a pair made by hand (its broken constraints
accepted explicitly, as on the form), pinned, ended; each email once per idempotency key."""

import pytest
from django.core import mail
from django.utils import timezone

from core.models import AuditEvent
from core.outbox.models import OutboxMessage
from factories import PairFactory, ProfileFactory
from matching import actions
from matching.followup.models import CheckIn
from matching.models import MatchingPolicy, Offer, Pair, PinnedPair

pytestmark = pytest.mark.django_db

NEW = "/api/v1/pairs/new/"


def post(client, url: str, body: dict | None = None, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, body or {}, content_type="application/json", **headers)


def test_the_list_is_the_pairs_pages(coordinator, lille, paris, in_section):
    with in_section(lille):
        ana = PairFactory(incoming=ProfileFactory(user__first_name="Ana", user__last_name="Roca"))
        bruno = PairFactory(
            incoming=ProfileFactory(user__first_name="Bruno"),
            buddy=ProfileFactory(buddy=True, user__first_name="Chloé", user__last_name="Roux"),
        )
        PairFactory(ended_at=timezone.now(), end_reason="coordinator")
    with in_section(paris):
        PairFactory(incoming=ProfileFactory(user__first_name="Ana"))
    listed = coordinator.get("/api/v1/pairs/").json()
    assert listed["count"] == 2  # the active ones, and not Paris's
    assert [pair["id"] for pair in listed["results"]] == [bruno.pk, ana.pk]  # latest first
    found = coordinator.get("/api/v1/pairs/?q=roux").json()["results"]
    assert [pair["id"] for pair in found] == [bruno.pk]
    assert found[0]["buddy"]["name"] == "Chloé Roux" and "email" not in found[0]["buddy"]
    assert coordinator.get("/api/v1/pairs/?q=" + "x" * 101).status_code == 400


@pytest.fixture
def students(lille, in_section):
    """A waiting incoming student who speaks only Japanese and a buddy who does not."""
    with in_section(lille):
        incoming = ProfileFactory(
            languages=["ja"], nationality="JP", user__email="kenji@example.org"
        )
        buddy = ProfileFactory(buddy=True, user__email="lea@example.org")
    return incoming, buddy


def test_a_pair_that_breaks_a_hard_constraint_needs_the_acknowledgement(
    coordinator, lille, in_section, students, django_capture_on_commit_callbacks
):
    incoming, buddy = students
    body = {"incoming": incoming.pk, "buddy": buddy.pk}
    warned = post(coordinator, NEW, body, key="pair-1")
    assert warned.status_code == 400
    fields = warned.json()["fields"]
    assert fields["broken_constraints"] == ["common_language"]
    assert "no common language" in fields["accept_broken_constraints"][0]
    with in_section(lille):
        assert not Pair.objects.exists()
        assert not OutboxMessage.objects.filter(key__startswith="pair-confirmed:").exists()

    accepted = {**body, "accept_broken_constraints": True}
    with django_capture_on_commit_callbacks(execute=True):
        made = post(coordinator, NEW, accepted, key="pair-1")  # the refusal kept no answer
        again = post(coordinator, NEW, accepted, key="pair-1")
    assert made.status_code == 201, made.content
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == made.json()
    pair = made.json()
    assert (pair["incoming"]["id"], pair["buddy"]["id"], pair["origin"]) == (
        incoming.pk,
        buddy.pk,
        "hand",
    )
    assert pair["broken_constraints"] == [
        {"code": "common_language", "label": "no common language"}
    ]
    with in_section(lille):
        row = Pair.objects.get()
        assert row.broken_constraints == ["common_language"]
        event = AuditEvent.objects.get(action=actions.PAIR_CREATED_BY_HAND)
        assert event.details["broken_constraints"] == ["common_language"]
        assert OutboxMessage.objects.filter(key__startswith="pair-confirmed:").count() == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "kenji@example.org",
        "lea@example.org",
    ]
    # the same key for another pair is refused
    other = post(coordinator, NEW, {"incoming": buddy.pk, "buddy": incoming.pk}, key="pair-1")
    assert other.status_code == 422


def test_the_forms_rules_refuse_a_student_who_is_not_waiting(coordinator, lille, in_section):
    with in_section(lille):
        paired = PairFactory().incoming
        buddy = ProfileFactory(buddy=True)
        full = ProfileFactory(buddy=True, capacity=1)
        PairFactory(buddy=full)
        waiting = ProfileFactory()
    refused = post(coordinator, NEW, {"incoming": paired.pk, "buddy": buddy.pk})
    assert refused.status_code == 400 and list(refused.json()["fields"]) == ["incoming"]
    full_buddy = post(coordinator, NEW, {"incoming": waiting.pk, "buddy": full.pk})
    assert full_buddy.status_code == 400 and list(full_buddy.json()["fields"]) == ["buddy"]
    swapped = post(coordinator, NEW, {"incoming": buddy.pk, "buddy": waiting.pk})
    assert set(swapped.json()["fields"]) == {"incoming", "buddy"}
    with in_section(lille):
        assert Pair.objects.count() == 2


def test_in_the_buddies_accept_mode_the_pair_is_offered_to_the_buddy(
    coordinator, lille, in_section
):
    with in_section(lille):
        MatchingPolicy.objects.update_or_create(
            pk=1, defaults={"matching_mode": MatchingPolicy.MatchingMode.BUDDIES_ACCEPT}
        )
        incoming, buddy = ProfileFactory(), ProfileFactory(buddy=True)
    response = post(coordinator, NEW, {"incoming": incoming.pk, "buddy": buddy.pk})
    assert response.status_code == 202, response.content
    with in_section(lille):
        offer = Offer.objects.get()
        assert not Pair.objects.exists()
    assert response.json()["id"] == offer.pk and response.json()["status"] == "pending"


def test_a_pin_keeps_the_pair_for_the_next_run_and_refuses_a_broken_constraint(
    coordinator, lille, in_section, students
):
    incoming, buddy = students
    refused = post(coordinator, "/api/v1/pairs/pin/", {"incoming": incoming.pk, "buddy": buddy.pk})
    assert refused.status_code == 400 and "broken_constraints" in refused.json()["fields"]
    with in_section(lille):
        speaks = ProfileFactory()
    pinned = post(coordinator, "/api/v1/pairs/pin/", {"incoming": speaks.pk, "buddy": buddy.pk})
    assert pinned.status_code == 201 and pinned.json() == {"incoming": speaks.pk, "buddy": buddy.pk}
    with in_section(lille):
        assert PinnedPair.objects.get().incoming_id == speaks.pk
        assert AuditEvent.objects.filter(action=actions.PAIR_PINNED).count() == 1


def test_ending_a_pair_tells_both_students_once(
    coordinator, lille, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        pair = PairFactory(
            incoming=ProfileFactory(user__email="ines@example.org"),
            buddy=ProfileFactory(buddy=True, user__email="hugo@example.org"),
        )
    url = f"/api/v1/pairs/{pair.pk}/end/"
    body = {"reason": "They never met."}
    with django_capture_on_commit_callbacks(execute=True):
        ended = post(coordinator, url, body, key="end-1")
        again = post(coordinator, url, body, key="end-1")
    assert ended.status_code == 200, ended.content
    assert again.json() == ended.json() and again["Idempotent-Replayed"] == "true"
    answer = ended.json()
    assert (answer["end_reason"], answer["end_note"]) == ("coordinator", "They never met.")
    assert answer["ended_at"] is not None
    with in_section(lille):
        pair.refresh_from_db()
        assert pair.ended_at is not None
        assert AuditEvent.objects.filter(action=actions.PAIR_ENDED).count() == 1
        assert OutboxMessage.objects.filter(key__startswith=f"pair-ended:{pair.pk}:").count() == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "hugo@example.org",
        "ines@example.org",
    ]
    # without the key a second call finds no active pair
    assert post(coordinator, url, body).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "x" * 201}, "reason")],
)
def test_ending_needs_a_reason(coordinator, lille, in_section, body, field):
    with in_section(lille):
        pair = PairFactory()
    response = post(coordinator, f"/api/v1/pairs/{pair.pk}/end/", body)
    assert response.status_code == 400 and list(response.json()["fields"]) == [field]
    with in_section(lille):
        pair.refresh_from_db()
        assert pair.ended_at is None


def test_the_follow_up_lists_the_pairs_asking_for_a_new_buddy(coordinator, lille, in_section):
    with in_section(lille):
        pair = PairFactory()
        PairFactory()  # nobody asks anything
        CheckIn.objects.create(
            pair=pair, profile=pair.incoming, answer="new_buddy", answered_at=timezone.now()
        )
        CheckIn.objects.create(pair=pair, profile=pair.buddy)
    listed = coordinator.get("/api/v1/follow-up/").json()
    assert [p["id"] for p in listed["results"]] == [pair.pk]
    assert [(c["side"], c["answer"]) for c in listed["results"][0]["checkins"]] == [
        ("incoming", "new_buddy"),
        ("buddy", ""),
    ]
    handled = post(coordinator, f"/api/v1/follow-up/{pair.pk}/handled/")
    assert handled.json() == {"handled": 1}
    assert coordinator.get("/api/v1/follow-up/").json()["count"] == 0
    with in_section(lille):
        assert CheckIn.objects.get(answer="new_buddy").handled_by is not None
