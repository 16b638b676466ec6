"""The coordinator's matching pages: who may use them, and what they do."""

import pytest
from django.core import mail

from factories import ProfileFactory
from matching.models import MatchingPolicy, MatchRun, Pair, PinnedPair, Proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def students(lille, in_section):
    with in_section(lille):
        return (
            ProfileFactory(user__first_name="Ana", user__email="ana@example.org"),
            ProfileFactory(buddy=True, user__first_name="Lucas", user__email="lucas@example.org"),
        )


def test_run_review_confirm_from_the_pages(
    coordinator, students, lille, in_section, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post("/coordinator/matching/runs/")
    assert response["Location"] == "/coordinator/matching/"
    with in_section(lille):
        run = MatchRun.objects.get()
        proposal = Proposal.objects.get()
    overview = coordinator.get("/coordinator/matching/").content.decode()
    assert "Review the proposals" in overview and "proven optimal" in overview
    page = coordinator.get(f"/coordinator/matching/runs/{run.pk}/").content.decode()
    assert "Ana" in page and "Lucas" in page
    assert "both speak English, Spanish" in page or "both speak Spanish, English" in page
    assert "arrives while the buddy is available" in page
    filtered = coordinator.get(f"/coordinator/matching/runs/{run.pk}/?min_score=100")
    assert "No proposals match" in filtered.content.decode()

    decide = f"/coordinator/matching/runs/{run.pk}/decide/"
    asked = coordinator.post(decide, {"action": "confirm", "proposal": [proposal.pk]})
    # a confirmation step first, saying how many pairs and emails; nothing is made yet
    assert asked.status_code == 200
    assert "1 pair will be made, and 2 emails sent" in asked.content.decode()
    with in_section(lille):
        assert not Pair.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(decide, {"action": "confirm", "proposal": [proposal.pk], "sure": "yes"})
    again = coordinator.post(
        decide, {"action": "confirm", "proposal": [proposal.pk], "sure": "yes"}, follow=True
    )
    assert "Select at least one proposal to decide" in again.content.decode()
    assert "Last confirmation: 1 pair confirmed" in again.content.decode()
    with in_section(lille):
        assert Pair.objects.count() == 1
    assert len(mail.outbox) == 2


def test_a_second_run_while_one_is_in_progress_says_so(coordinator, lille, in_section):
    with in_section(lille):
        MatchRun.objects.create(status="running")
    response = coordinator.post("/coordinator/matching/runs/", follow=True)
    assert "already in progress" in response.content.decode()
    page = coordinator.get("/coordinator/matching/").content.decode()
    assert 'http-equiv="refresh"' in page and "<progress" in page


def test_rejecting_from_the_page(
    coordinator, students, lille, in_section, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post("/coordinator/matching/runs/")
    with in_section(lille):
        run, proposal = MatchRun.objects.get(), Proposal.objects.get()
    coordinator.post(
        f"/coordinator/matching/runs/{run.pk}/decide/",
        {"action": "reject", "proposal": [proposal.pk]},
    )
    with in_section(lille):
        assert Proposal.objects.get().status == "rejected"


def test_a_pair_by_hand_shows_the_broken_constraint_first(coordinator, lille, in_section):
    with in_section(lille):
        incoming = ProfileFactory(languages=["ja"])
        buddy = ProfileFactory(buddy=True)
    data = {"incoming": incoming.pk, "buddy": buddy.pk, "action": "create"}
    warned = coordinator.post("/coordinator/matching/pairs/new/", data)
    assert "no common language" in warned.content.decode()
    with in_section(lille):
        assert not Pair.objects.exists()
    made = coordinator.post(
        "/coordinator/matching/pairs/new/", {**data, "accept_broken_constraints": "on"}
    )
    assert made["Location"] == "/coordinator/matching/pairs/"
    with in_section(lille):
        assert Pair.objects.get().broken_constraints == ["common_language"]


def test_pin_then_end_a_pair_from_the_pages(coordinator, students, lille, in_section):
    incoming, buddy = students
    coordinator.post(
        "/coordinator/matching/pairs/new/",
        {"incoming": incoming.pk, "buddy": buddy.pk, "action": "pin"},
    )
    with in_section(lille):
        assert PinnedPair.objects.filter(incoming=incoming, buddy=buddy).exists()
    coordinator.post(
        "/coordinator/matching/pairs/new/",
        {"incoming": incoming.pk, "buddy": buddy.pk, "action": "create"},
    )
    with in_section(lille):
        pair = Pair.objects.get()
    asked = coordinator.get(f"/coordinator/matching/pairs/{pair.pk}/end/").content.decode()
    assert "will no longer be a pair" in asked
    refused = coordinator.post(f"/coordinator/matching/pairs/{pair.pk}/end/", {"reason": ""})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    with in_section(lille):
        assert Pair.objects.active().exists()  # a reason is required
    coordinator.post(f"/coordinator/matching/pairs/{pair.pk}/end/", {"reason": "moved away"})
    with in_section(lille):
        assert not Pair.objects.active().exists()
        pair.refresh_from_db()
        assert (pair.end_reason, pair.end_note) == ("coordinator", "moved away")
    assert "Ana" in coordinator.get("/coordinator/matching/waiting/").content.decode()


def test_unknown_students_in_a_pair_form_are_refused(coordinator):
    response = coordinator.post(
        "/coordinator/matching/pairs/new/", {"incoming": 999999, "buddy": "x", "action": "create"}
    )
    assert response.status_code == 200
    assert "valid choice" in response.content.decode()


def test_settings_validate_save_and_reset(coordinator, lille, in_section):
    page = coordinator.get("/coordinator/matching/settings/").content.decode()
    assert 'name="weight_shared_languages"' in page and 'value="80"' in page
    form = {
        f"weight_{k}": "50"
        for k in (
            "shared_languages",
            "shared_hobbies",
            "same_place_of_study",
            "same_faculty",
            "age_difference",
            "arrival_in_availability",
            "gender_preference",
            "nationality_diversity",
            "buddy_experience",
            "early_arrival",
        )
    }
    form |= {"matching_mode": "coordinator", "pick_limit": "2", "pick_period_days": "30"}
    bad = coordinator.post(
        "/coordinator/matching/settings/", {**form, "weight_shared_hobbies": "101", "mode": "flow"}
    )
    assert bad.status_code == 200 and "less than or equal to 100" in bad.content.decode()
    coordinator.post(
        "/coordinator/matching/settings/",
        {
            **form,
            "mode": "fair",
            "hard_common_language": "on",
            "nationality_quota": "2",
            "offer_days": "9",
        },
    )
    with in_section(lille):
        policy = MatchingPolicy.load()
        assert policy.weights["shared_hobbies"] == 50 and policy.mode == "fair"
        assert policy.hard_constraints["common_language"] is True
        assert policy.hard_constraints["dates_overlap"] is False
        assert policy.nationality_quota == 2 and policy.offer_days == 9
    coordinator.post("/coordinator/matching/settings/", {"action": "reset"})
    with in_section(lille):
        policy = MatchingPolicy.load()
        assert policy.weights["shared_languages"] == 80 and policy.mode == "flow"
        assert policy.hard_constraints["dates_overlap"] is True
        assert policy.offer_days == 5
