"""Match runs, from the waiting students to proposals, without HTTP."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from factories import ProfileFactory
from matching import services
from matching.emails import WAITING_LIST_EMAIL
from matching.models import (
    ForbiddenPair,
    MatchingPolicy,
    MatchRun,
    Pair,
    PinnedPair,
    Proposal,
    WaitingListEntry,
)
from matching.pairs import make_pair
from matching.selectors import matching_input
from matching.status import programme_status
from matching.waiting import available_buddies, free_places, waiting_incoming

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_lille(lille, in_section):
    with in_section(lille):
        yield lille


def run_now(callbacks, only_for=None) -> MatchRun:
    with callbacks(execute=True):
        run = services.request_match_run(None, only_for=only_for)
    return MatchRun.objects.get(pk=run.pk)


def test_only_verified_active_unpaired_students_still_here_are_matched(in_lille):
    today = timezone.localdate()
    waiting = ProfileFactory()
    ProfileFactory(email_verified_at=None)
    ProfileFactory(status="withdrawn")
    ProfileFactory(
        arrival_date=today - timedelta(days=100), departure_date=today - timedelta(days=1)
    )
    paired = ProfileFactory()
    full_buddy = ProfileFactory(buddy=True, capacity=1)
    Pair.objects.create(incoming=paired, buddy=full_buddy, confirmed_at=timezone.now())
    free_buddy = ProfileFactory(buddy=True, capacity=3)
    ProfileFactory(
        buddy=True,
        available_until=today - timedelta(days=1),
        available_from=today - timedelta(days=90),
    )

    assert list(waiting_incoming()) == [waiting]
    buddies = {b.pk: b.free_places for b in available_buddies()}
    assert buddies == {full_buddy.pk: 0, free_buddy.pk: 3}
    assert free_places() == 3
    data = matching_input()
    assert [p.id for p in data.incoming] == [str(waiting.pk)]
    assert [(b.id, b.capacity) for b in data.buddies] == [(str(free_buddy.pk), 3)]


def test_a_run_writes_its_proposals_and_figures(in_lille, django_capture_on_commit_callbacks):
    buddy = ProfileFactory(buddy=True, capacity=1)
    first, second = ProfileFactory(), ProfileFactory()
    run = run_now(django_capture_on_commit_callbacks)
    assert run.status == "succeeded"
    assert (run.incoming_count, run.buddy_count, run.matched, run.left_waiting) == (2, 1, 1, 1)
    assert run.optimal is True
    assert run.started_at and run.finished_at and run.seconds is not None
    [proposal] = Proposal.objects.filter(run=run)
    assert proposal.buddy == buddy and proposal.incoming in (first, second)
    assert proposal.score == sum(proposal.breakdown.values()) > 0
    assert run.lowest_score == run.median_score == proposal.score
    assert set(proposal.details["shared_languages"]) == {"en", "es"}
    assert run.snapshot["buddies"] == {str(buddy.pk): 1}


def test_the_run_records_who_it_left_waiting_and_tells_nobody_before_the_review(
    in_lille, django_capture_on_commit_callbacks
):
    ProfileFactory(buddy=True, capacity=1)
    ProfileFactory(
        user__email="first@example.org", arrival_date=timezone.localdate() + timedelta(days=5)
    )
    late = ProfileFactory(
        user__email="late@example.org", arrival_date=timezone.localdate() + timedelta(days=50)
    )
    run = run_now(django_capture_on_commit_callbacks)
    # the earliest arrival is served first when buddies are short; the late one waits, with
    # the run's own reason, and is not told yet: the coordinator has not reviewed the run
    [entry] = WaitingListEntry.objects.all()
    assert (entry.profile, entry.run, entry.reason) == (late, run, "no_buddy_available")
    assert entry.told_at is None
    assert mail.outbox == [] and not OutboxMessage.objects.filter(name=WAITING_LIST_EMAIL)
    assert programme_status(late).state == "waiting"

    with django_capture_on_commit_callbacks(execute=True):
        assert services.tell_waiting_students(None, run) == 1
    assert [m.to for m in mail.outbox] == [["late@example.org"]]
    assert "waiting list" in mail.outbox[0].subject
    assert "already has as many students as they can take" in mail.outbox[0].body
    assert programme_status(late).state == "waiting_list"
    # told once: telling again, or a later run leaving them waiting again, sends nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert services.tell_waiting_students(None, run) == 0
    again = run_now(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.tell_waiting_students(None, again) == 0
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.filter(name=WAITING_LIST_EMAIL).count() == 1


@pytest.mark.parametrize(
    ("student", "reason", "words"),
    [
        (
            {"preferred_buddy_gender": "same", "gender": "woman"},
            "gender_preference",
            "fits the wish you gave us for a buddy of the same gender",
        ),
        ({"arrival_date": 300, "departure_date": 360}, "dates_overlap", "during the dates"),
        ({"languages": ["ja"]}, "common_language", "speaks one of your languages"),
    ],
)
def test_the_waiting_list_email_gives_the_runs_own_reason(
    in_lille, django_capture_on_commit_callbacks, student, reason, words
):
    """Places are plenty (a buddy with 5): the student waits for a rule the run reported."""
    today = timezone.localdate()
    for field in ("arrival_date", "departure_date"):
        if field in student:
            student[field] = today + timedelta(days=student[field])
    ProfileFactory(buddy=True, capacity=5, gender="man", languages=["fr", "en"])
    waiting = ProfileFactory(user__email="ana@example.org", **student)
    run = run_now(django_capture_on_commit_callbacks)
    assert WaitingListEntry.objects.get(profile=waiting).reason == reason
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.tell_waiting_students(None, run)
    [email] = mail.outbox
    assert words in email.body
    assert "more students than free places" not in email.body


def test_a_waiting_list_email_is_not_sent_once_the_student_has_a_buddy(
    in_lille, django_capture_on_commit_callbacks
):
    student = ProfileFactory(user__email="ana@example.org")
    with django_capture_on_commit_callbacks(execute=False):  # the relay is not kicked
        run = services.request_match_run(None)
        services.execute_match_run(run.pk)  # no buddy at all: the student is left waiting
        services.tell_waiting_students(None, MatchRun.objects.get(pk=run.pk))
    assert OutboxMessage.objects.get(name=WAITING_LIST_EMAIL).status == "pending"
    buddy = ProfileFactory(buddy=True)
    make_pair(None, student, buddy)
    assert not WaitingListEntry.objects.exists()  # a pair takes them off the list
    outbox.relay()  # the sweep, later
    assert OutboxMessage.objects.get(name=WAITING_LIST_EMAIL).status == "skipped"
    assert not [m for m in mail.outbox if "waiting list" in m.subject]
    assert programme_status(student).state == "matched"


def test_only_one_run_at_a_time(in_lille, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        services.request_match_run(None)
        with pytest.raises(services.RunInProgress):
            services.request_match_run(None)
    assert MatchRun.objects.count() == 1


@pytest.mark.parametrize(
    ("status", "since", "error"),
    [
        ("running", "started_at", "The worker stopped answering."),
        ("queued", "created_at", "No worker started the run in time."),
    ],
)
def test_a_run_whose_worker_died_no_longer_blocks(
    status, since, error, in_lille, django_capture_on_commit_callbacks
):
    stale = MatchRun.objects.create(status=status)
    MatchRun.objects.filter(pk=stale.pk).update(**{since: timezone.now() - timedelta(hours=2)})
    run = run_now(django_capture_on_commit_callbacks)
    assert run.status == "succeeded"
    stale.refresh_from_db()
    assert (stale.status, stale.error) == ("failed", error)
    assert stale.finished_at is not None


@pytest.mark.parametrize(
    ("status", "since", "limit"),
    [("queued", "created_at", 30), ("running", "started_at", 15)],
)
def test_a_run_is_released_only_past_its_time(status, since, limit, in_lille):
    stale = MatchRun.objects.create(status=status)
    start = timezone.now()
    MatchRun.objects.filter(pk=stale.pk).update(**{since: start})
    assert services.release_stale_runs(now=start + timedelta(minutes=limit - 1)) == 0
    assert MatchRun.objects.get(pk=stale.pk).status == status
    with pytest.raises(services.RunInProgress):  # still blocks
        services.request_match_run(None)
    assert services.release_stale_runs(now=start + timedelta(minutes=limit + 1)) == 1
    assert MatchRun.objects.get(pk=stale.pk).status == "failed"


def test_a_failing_run_is_marked_failed_and_writes_nothing(
    in_lille, monkeypatch, django_capture_on_commit_callbacks
):
    ProfileFactory(buddy=True)
    ProfileFactory()

    def broken_engine(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(services, "match", broken_engine)
    run = run_now(django_capture_on_commit_callbacks)
    assert run.status == "failed"
    assert "solver crashed" in run.error
    assert not Proposal.objects.exists()
    # and the section can run again
    monkeypatch.undo()
    assert run_now(django_capture_on_commit_callbacks).status == "succeeded"


def test_running_a_finished_run_again_changes_nothing(in_lille, django_capture_on_commit_callbacks):
    ProfileFactory(buddy=True)
    ProfileFactory()
    run = run_now(django_capture_on_commit_callbacks)
    services.execute_match_run(run.pk)  # a retried task
    assert Proposal.objects.filter(run=run).count() == 1


def test_rejected_pairs_are_forbidden_next_time_and_pins_are_kept(
    in_lille, django_capture_on_commit_callbacks, django_user_model
):
    coordinator = django_user_model.objects.get(is_coordinator=True)
    incoming = ProfileFactory()
    best = ProfileFactory(buddy=True, faculty="Law")
    other = ProfileFactory(buddy=True, faculty="Physics", place_of_study__name="Sciences Po")
    run = run_now(django_capture_on_commit_callbacks)
    proposal = Proposal.objects.get(run=run)
    assert proposal.buddy == best

    services.reject_proposals(coordinator, [proposal.pk])
    assert ForbiddenPair.objects.filter(incoming=incoming, buddy=best).exists()
    second = run_now(django_capture_on_commit_callbacks)
    assert Proposal.objects.get(run=second).buddy == other

    services.pin_pair(coordinator, incoming, best)
    assert not ForbiddenPair.objects.exists()
    third = run_now(django_capture_on_commit_callbacks)
    pinned = Proposal.objects.get(run=third)
    assert (pinned.buddy, pinned.pinned) == (best, True)
    assert Proposal.objects.get(run=second).status == "superseded"


def test_a_pin_that_breaks_a_hard_constraint_is_refused(in_lille, django_user_model):
    coordinator = django_user_model.objects.get(is_coordinator=True)
    incoming = ProfileFactory(languages=["es"])
    buddy = ProfileFactory(buddy=True, languages=["fr"])
    with pytest.raises(services.BrokenConstraints) as refused:
        services.pin_pair(coordinator, incoming, buddy)
    assert refused.value.constraints == ("common_language",)
    assert not PinnedPair.objects.exists()


def test_rolling_runs_keep_pairs_and_count_the_capacity_they_use(
    in_lille, django_capture_on_commit_callbacks, django_user_model
):
    coordinator = django_user_model.objects.get(is_coordinator=True)
    buddy = ProfileFactory(buddy=True, capacity=2)
    early = ProfileFactory()
    run = run_now(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_proposals(coordinator, [p.pk for p in run.proposals.all()])
    late = ProfileFactory()  # a late registration
    also_late = ProfileFactory()
    second = run_now(django_capture_on_commit_callbacks)
    assert second.incoming_count == 2 and second.buddy_count == 1
    assert second.snapshot["buddies"] == {str(buddy.pk): 1}
    assert second.matched == 1
    assert Pair.objects.active().get(incoming=early).buddy == buddy
    assert {p.incoming for p in second.proposals.all()} <= {late, also_late}


def test_a_rerun_for_some_waiting_students_only(in_lille, django_capture_on_commit_callbacks):
    ProfileFactory(buddy=True, capacity=3)
    chosen, other = ProfileFactory(), ProfileFactory()
    run = run_now(django_capture_on_commit_callbacks, only_for=[chosen.pk])
    assert [p.incoming for p in run.proposals.all()] == [chosen]
    assert run.incoming_count == 1 and other.pk not in run.snapshot["incoming"]


def test_the_run_says_why_students_have_no_possible_buddy(
    in_lille, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    ProfileFactory(buddy=True, languages=["fr", "en"], gender="man")
    ProfileFactory(languages=["ja"])  # no common language with anyone
    ProfileFactory(
        arrival_date=today + timedelta(days=300), departure_date=today + timedelta(days=360)
    )
    ProfileFactory(preferred_buddy_gender="same", gender="woman")  # no woman buddy
    ProfileFactory(gender="man")  # fine
    run = run_now(django_capture_on_commit_callbacks)
    assert run.matched == 1
    assert run.without_candidates == 3
    assert run.without_candidates_reasons == {
        "common_language": 1,
        "dates_overlap": 1,
        "gender_preference": 1,
    }


def test_the_policy_changes_the_outcome(in_lille, django_capture_on_commit_callbacks):
    ProfileFactory(buddy=True, languages=["fr"])
    ProfileFactory(languages=["es"])
    assert run_now(django_capture_on_commit_callbacks).matched == 0
    policy = MatchingPolicy.load()
    policy.hard_constraints = {**policy.hard_constraints, "common_language": False}
    policy.save()
    assert run_now(django_capture_on_commit_callbacks).matched == 1
