"""Writes of matching: runs, the coordinator's decisions on proposals, pins and the policy.

Pairs are made and ended in `matching.pairs`.
"""

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit
from core.accounts.models import User
from core.models import Profile
from core.outbox.services import send_email, start_task
from matching import actions, selectors
from matching.emails import WAITING_LIST_EMAIL
from matching.engine.match import match
from matching.engine.policy import Policy
from matching.engine.scoring import score_pair
from matching.models import ForbiddenPair, MatchingPolicy, MatchRun, Pair, PinnedPair, Proposal
from matching.pairs import PairNotPossible, make_pair
from matching.status import waiting_list_key

RUN_TASK = "matching.tasks.run_matching"
# A run still queued this long never reached a worker (the broker was down for long); one
# running this long lost its worker (past Celery's hard time limit): neither blocks new runs.
STALE_QUEUED = dt.timedelta(minutes=30)
STALE_RUNNING = dt.timedelta(minutes=15)


class RunInProgress(Exception):
    """Another run of this section is queued or running."""


@dataclass(frozen=True)
class BrokenConstraints(Exception):
    """The pair made by hand breaks hard constraints; the coordinator must accept that."""

    constraints: tuple[str, ...]


def request_match_run(user: User | None, only_for: list[int] | None = None) -> MatchRun:
    """Queue a run for the waiting students (or only `only_for`); one run at a time."""
    release_stale_runs()
    try:
        with transaction.atomic():
            run = MatchRun.objects.create(requested_by=user, only_for=only_for or [])
            audit.record(actions.MATCH_RUN_STARTED, user, run=run.pk, only_for=len(only_for or []))
            start_task(f"match-run:{run.pk}", RUN_TASK, run.pk)
    except IntegrityError as error:
        raise RunInProgress from error
    return run


def release_stale_runs(now: dt.datetime | None = None) -> int:
    """Mark failed the runs that never started or whose worker died, so a new one can start."""
    now = now or timezone.now()
    never_started = MatchRun.objects.filter(
        status=MatchRun.Status.QUEUED, created_at__lt=now - STALE_QUEUED
    ).update(
        status=MatchRun.Status.FAILED,
        error="No worker started the run in time.",
        finished_at=now,
    )
    lost = MatchRun.objects.filter(
        status=MatchRun.Status.RUNNING, started_at__lt=now - STALE_RUNNING
    ).update(
        status=MatchRun.Status.FAILED,
        error="The worker stopped answering.",
        finished_at=now,
    )
    return never_started + lost


def execute_match_run(run_id: int) -> None:
    """Run the engine for a queued run and write its proposals at once, or mark it failed.

    Idempotent: a retried task finds the run no longer queued and does nothing.
    """
    claimed = MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.QUEUED).update(
        status=MatchRun.Status.RUNNING,
        started_at=timezone.now(),
        progress=5,
        progress_note="loading profiles",
    )
    if not claimed:
        return
    run = MatchRun.objects.get(pk=run_id)
    try:
        data = selectors.matching_input(run.only_for)
        _progress(run, 30, "scoring and solving", snapshot=data.snapshot(), mode=data.policy.mode)
        result = match(
            data.incoming,
            data.buddies,
            data.policy.to_engine(),
            pinned=data.pinned,
            forbidden=data.forbidden,
            mode=data.policy.mode,
            nationality_quota=data.policy.nationality_quota,
            reference_date=timezone.localdate(),
        )
        _progress(run, 80, "writing proposals")
        _write_proposals(run, data, result)
    except Exception as error:
        MatchRun.objects.filter(pk=run_id).update(
            status=MatchRun.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise


def _progress(run: MatchRun, percent: int, note: str, **fields) -> None:
    MatchRun.objects.filter(pk=run.pk).update(progress=percent, progress_note=note, **fields)


def _write_proposals(run: MatchRun, data: selectors.MatchingInput, result) -> None:
    pinned = set(data.pinned)
    scores = sorted(pair.score for pair in result.pairs)
    without = selectors.students_without_candidates(data, result)
    with transaction.atomic():
        # Suggestions of earlier runs that nobody decided on are replaced by this run's.
        Proposal.objects.filter(status=Proposal.Status.PROPOSED).update(
            status=Proposal.Status.SUPERSEDED
        )
        Proposal.objects.bulk_create(
            Proposal(
                run=run,
                incoming_id=int(pair.incoming),
                buddy_id=int(pair.buddy),
                score=pair.score,
                breakdown=dict(pair.breakdown),
                details=dict(pair.details),
                pinned=(pair.incoming, pair.buddy) in pinned,
            )
            for pair in result.pairs
        )
        MatchRun.objects.filter(pk=run.pk).update(
            status=MatchRun.Status.SUCCEEDED,
            finished_at=timezone.now(),
            progress=100,
            progress_note="",
            incoming_count=len(data.incoming),
            buddy_count=len(data.buddies),
            matched=result.matched,
            left_waiting=len(data.incoming) - result.matched,
            total_score=result.total_score,
            lowest_score=scores[0] if scores else None,
            median_score=int(statistics.median(scores)) if scores else None,
            optimal=result.optimal,
            seconds=round(result.seconds, 3),
            without_candidates=sum(without.values()),
            without_candidates_reasons=without,
        )
        proposed = {int(pair.incoming) for pair in result.pairs}
        for person in data.incoming:
            if int(person.id) not in proposed:
                key = waiting_list_key(int(person.id))
                send_email(key, WAITING_LIST_EMAIL, profile=int(person.id))


@dataclass(frozen=True)
class Decision:
    done: int
    skipped: int


def confirm_proposals(user: User, proposal_ids: list[int]) -> Decision:
    """Turn proposals into pairs; each pair's two emails follow the commit, once.

    A proposal already decided (a double click) or no longer possible (a student paired by
    hand meanwhile, a buddy now full) is skipped.
    """
    done = 0
    with transaction.atomic():
        proposals = (
            Proposal.objects.select_for_update()
            .filter(pk__in=proposal_ids, status=Proposal.Status.PROPOSED)
            .select_related("incoming", "buddy")
            .order_by("-score")
        )
        for proposal in proposals:
            try:
                with transaction.atomic():
                    pair = make_pair(user, proposal.incoming, proposal.buddy, proposal=proposal)
            except PairNotPossible:
                continue
            proposal.status = Proposal.Status.CONFIRMED
            proposal.decided_at, proposal.decided_by = timezone.now(), user
            proposal.save(update_fields=["status", "decided_at", "decided_by"])
            audit.record(actions.PAIR_CONFIRMED, user, pair=pair.pk)
            done += 1
    return Decision(done, len(proposal_ids) - done)


def reject_proposals(user: User, proposal_ids: list[int]) -> Decision:
    """Reject proposals: their pairs become forbidden for later runs."""
    with transaction.atomic():
        proposals = list(
            Proposal.objects.select_for_update().filter(
                pk__in=proposal_ids, status=Proposal.Status.PROPOSED
            )
        )
        for proposal in proposals:
            ForbiddenPair.objects.get_or_create(
                incoming_id=proposal.incoming_id, buddy_id=proposal.buddy_id
            )
            PinnedPair.objects.filter(
                incoming_id=proposal.incoming_id, buddy_id=proposal.buddy_id
            ).delete()
        Proposal.objects.filter(pk__in=[p.pk for p in proposals]).update(
            status=Proposal.Status.REJECTED, decided_at=timezone.now(), decided_by=user
        )
        if proposals:
            audit.record(actions.PROPOSALS_REJECTED, user, proposals=[p.pk for p in proposals])
    return Decision(len(proposals), len(proposal_ids) - len(proposals))


def broken_constraints(incoming: Profile, buddy: Profile) -> tuple[str, ...]:
    """The section's hard constraints a pair breaks (empty when it respects them all)."""
    engine_incoming, engine_buddy = selectors.engine_profiles(incoming, buddy)
    policy = MatchingPolicy.load().to_engine()
    scored = score_pair(engine_incoming, engine_buddy, policy, timezone.localdate())
    return tuple(scored.violations)


def pin_pair(user: User, incoming: Profile, buddy: Profile) -> PinnedPair:
    """Keep this pair in the next run. It must respect the hard constraints."""
    broken = broken_constraints(incoming, buddy)
    if broken:
        raise BrokenConstraints(broken)
    with transaction.atomic():
        pin, _created = PinnedPair.objects.update_or_create(
            incoming=incoming, defaults={"buddy": buddy}
        )
        ForbiddenPair.objects.filter(incoming=incoming, buddy=buddy).delete()
        audit.record(actions.PAIR_PINNED, user, pin=pin.pk)
    return pin


def create_pair_by_hand(
    user: User, incoming: Profile, buddy: Profile, *, accept_broken_constraints: bool = False
) -> Pair:
    """A pair the coordinator makes; breaking a hard constraint needs their explicit consent."""
    broken = broken_constraints(incoming, buddy)
    if broken and not accept_broken_constraints:
        raise BrokenConstraints(broken)
    with transaction.atomic():
        pair = make_pair(user, incoming, buddy, broken=broken)
        audit.record(
            actions.PAIR_CREATED_BY_HAND, user, pair=pair.pk, broken_constraints=list(broken)
        )
    return pair


def update_policy(user: User, values: dict) -> MatchingPolicy:
    """Save the section's weights, hard constraints, goal and nationality quota."""
    Policy(weights=values["weights"], hard_constraints=values["hard_constraints"])  # validates
    with transaction.atomic():
        policy = MatchingPolicy.load()
        for field, value in values.items():
            setattr(policy, field, value)
        policy.save()
        audit.record(actions.POLICY_CHANGED, user, **values)
    return policy


def reset_policy(user: User) -> MatchingPolicy:
    defaults = MatchingPolicy()
    return update_policy(
        user,
        {
            "weights": defaults.weights,
            "hard_constraints": defaults.hard_constraints,
            "mode": defaults.mode,
            "nationality_quota": None,
        },
    )
