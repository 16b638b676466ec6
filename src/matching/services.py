"""Writes of matching: runs, the coordinator's decisions on proposals, and pairs."""

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.celery import enqueue_on_commit
from core.accounts.models import User
from core.models import AuditEvent, Profile
from matching import selectors
from matching.engine.match import match
from matching.engine.policy import Policy
from matching.engine.scoring import score_pair
from matching.models import ForbiddenPair, MatchingPolicy, MatchRun, Pair, PinnedPair, Proposal
from matching.tasks import run_matching, send_pair_emails, send_waiting_list_emails

# A run that has been "running" this long lost its worker: it no longer blocks new runs.
STALE_RUN = dt.timedelta(minutes=30)


class RunInProgress(Exception):
    """Another run of this section is queued or running."""


class PairNotPossible(Exception):
    """The pair cannot be made (a student is already paired, the buddy is full...)."""


@dataclass(frozen=True)
class BrokenConstraints(Exception):
    """The pair made by hand breaks hard constraints; the coordinator must accept that."""

    constraints: tuple[str, ...]


def request_match_run(user: User | None, only_for: list[int] | None = None) -> MatchRun:
    """Queue a run for the waiting students (or only `only_for`); one run at a time."""
    _fail_stale_runs()
    try:
        with transaction.atomic():
            run = MatchRun.objects.create(requested_by=user, only_for=only_for or [])
            AuditEvent.objects.create(
                action=AuditEvent.Action.MATCH_RUN_STARTED,
                actor=user,
                details={"run": run.pk, "only_for": len(only_for or [])},
            )
            enqueue_on_commit(run_matching, run.pk)
    except IntegrityError as error:
        raise RunInProgress from error
    return run


def _fail_stale_runs() -> None:
    MatchRun.objects.filter(
        status=MatchRun.Status.RUNNING, started_at__lt=timezone.now() - STALE_RUN
    ).update(
        status=MatchRun.Status.FAILED,
        error="The worker stopped answering.",
        finished_at=timezone.now(),
    )


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
        enqueue_on_commit(send_waiting_list_emails, run.pk)


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
                    pair = _make_pair(user, proposal.incoming, proposal.buddy, proposal=proposal)
            except PairNotPossible:
                continue
            proposal.status = Proposal.Status.CONFIRMED
            proposal.decided_at, proposal.decided_by = timezone.now(), user
            proposal.save(update_fields=["status", "decided_at", "decided_by"])
            AuditEvent.objects.create(
                action=AuditEvent.Action.PAIR_CONFIRMED, actor=user, details={"pair": pair.pk}
            )
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
            AuditEvent.objects.create(
                action=AuditEvent.Action.PROPOSALS_REJECTED,
                actor=user,
                details={"proposals": [p.pk for p in proposals]},
            )
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
        AuditEvent.objects.create(
            action=AuditEvent.Action.PAIR_PINNED, actor=user, details={"pin": pin.pk}
        )
    return pin


def create_pair_by_hand(
    user: User, incoming: Profile, buddy: Profile, *, accept_broken_constraints: bool = False
) -> Pair:
    """A pair the coordinator makes; breaking a hard constraint needs their explicit consent."""
    broken = broken_constraints(incoming, buddy)
    if broken and not accept_broken_constraints:
        raise BrokenConstraints(broken)
    with transaction.atomic():
        pair = _make_pair(user, incoming, buddy, broken=broken)
        AuditEvent.objects.create(
            action=AuditEvent.Action.PAIR_CREATED_BY_HAND,
            actor=user,
            details={"pair": pair.pk, "broken_constraints": list(broken)},
        )
    return pair


def end_pair(user: User | None, pair: Pair, reason: str) -> None:
    """End a pair (a buddy drops out...): the incoming student is waiting again."""
    with transaction.atomic():
        ended = (
            Pair.objects.active()
            .filter(pk=pair.pk)
            .update(ended_at=timezone.now(), end_reason=reason[:200])
        )
        if ended:
            AuditEvent.objects.create(
                action=AuditEvent.Action.PAIR_ENDED, actor=user, details={"pair": pair.pk}
            )


def end_pairs_of(profile: Profile, reason: str) -> int:
    """End every active pair the student is in; returns how many ended."""
    return Pair.objects.active().of(profile).update(ended_at=timezone.now(), end_reason=reason)


def _make_pair(
    user: User,
    incoming: Profile,
    buddy: Profile,
    *,
    proposal: Proposal | None = None,
    broken: tuple[str, ...] = (),
) -> Pair:
    # Lock both students so that two confirmations cannot overbook the same buddy.
    locked = {
        p.pk: p for p in Profile.objects.select_for_update().filter(pk__in=[incoming.pk, buddy.pk])
    }
    incoming, buddy = locked[incoming.pk], locked[buddy.pk]
    if incoming.role != Profile.Role.INCOMING or buddy.role != Profile.Role.BUDDY:
        raise PairNotPossible("roles")
    if Pair.objects.active().filter(incoming=incoming).exists():
        raise PairNotPossible("already paired")
    if Pair.objects.active().filter(buddy=buddy).count() >= (buddy.capacity or 0):
        raise PairNotPossible("buddy full")
    pair = Pair.objects.create(
        incoming=incoming,
        buddy=buddy,
        incoming_nationality=incoming.nationality.code,
        proposal=proposal,
        score=proposal.score if proposal else None,
        breakdown=proposal.breakdown if proposal else {},
        broken_constraints=list(broken),
        confirmed_at=timezone.now(),
        confirmed_by=user,
    )
    PinnedPair.objects.filter(incoming=incoming).delete()
    enqueue_on_commit(send_pair_emails, pair.pk)
    return pair


def update_policy(user: User, values: dict) -> MatchingPolicy:
    """Save the section's weights, hard constraints, goal and nationality quota."""
    Policy(weights=values["weights"], hard_constraints=values["hard_constraints"])  # validates
    with transaction.atomic():
        policy = MatchingPolicy.load()
        for field, value in values.items():
            setattr(policy, field, value)
        policy.save()
        AuditEvent.objects.create(
            action=AuditEvent.Action.POLICY_CHANGED, actor=user, details=values
        )
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
