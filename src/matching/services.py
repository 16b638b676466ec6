"""Writes of matching: runs, the coordinator's decisions on proposals, pins and the policy.

Pairs are made and ended in `matching.pairs`.
"""

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core import audit
from core.accounts.models import User
from core.models import Profile
from core.outbox.services import send_emails, start_task
from matching import actions, selectors
from matching.emails import WAITING_LIST_EMAIL
from matching.engine.match import match
from matching.engine.policy import Policy
from matching.engine.scoring import PairScore, score_pair
from matching.models import (
    Confirmation,
    ForbiddenPair,
    MatchingPolicy,
    MatchRun,
    Offer,
    Pair,
    PinnedPair,
    Proposal,
    WaitingListEntry,
)
from matching.offers import services as offer_services
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
    left = selectors.left_waiting(data, result)
    without = selectors.students_without_candidates(left)
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
        _record_waiting_list(run, data, left)


def _record_waiting_list(
    run: MatchRun, data: selectors.MatchingInput, left: dict[str, selectors.LeftWaiting]
) -> None:
    """The run's students left without a buddy, each with its reason; nobody is told yet
    (that waits for the coordinator's review). A student the run proposes leaves the list."""
    WaitingListEntry.objects.filter(
        profile_id__in=[int(person.id) for person in data.incoming if person.id not in left]
    ).delete()
    WaitingListEntry.objects.bulk_create(
        [
            WaitingListEntry(profile_id=int(person_id), run=run, reason=why.reason)
            for person_id, why in left.items()
        ],
        update_conflicts=True,
        unique_fields=["profile"],
        update_fields=["run", "reason"],  # told_at is kept: a student is told once
        batch_size=1000,
    )


def tell_waiting_students(user: User | None, run: MatchRun) -> int:
    """Email the students this run left waiting (those not told yet), each with the run's
    reason: once the coordinator has reviewed the run. Returns how many are told."""
    with transaction.atomic():
        entries = list(
            WaitingListEntry.objects.select_for_update()
            .filter(run=run, told_at__isnull=True)
            .values_list("pk", "profile_id")
        )
        WaitingListEntry.objects.filter(pk__in=[pk for pk, _profile in entries]).update(
            told_at=timezone.now()
        )
        send_emails(
            (waiting_list_key(pk), WAITING_LIST_EMAIL, {"profile": profile})
            for pk, profile in entries
        )
        if entries:
            audit.record(actions.WAITING_TOLD, user, run=run.pk, students=len(entries))
    return len(entries)


@dataclass(frozen=True)
class Decision:
    done: int
    skipped: int


def offers_buddies() -> bool:
    """In the "buddies accept" mode, what the coordinator confirms is offered to the buddy."""
    return MatchingPolicy.load().matching_mode == MatchingPolicy.MatchingMode.BUDDIES_ACCEPT


def confirm_proposals(
    user: User | None, proposal_ids: list[int], *, as_offers: bool = False
) -> Decision:
    """Turn proposals into pairs (or, `as_offers`, into offers to the buddies), in one
    transaction; each pair's two emails (each offer's one) are written with it (see
    `make_pair`, `offers.services.make_offer`), so they follow the commit, once.

    A proposal already decided (a double click, a retried task) or no longer possible (a
    student paired by hand meanwhile, a buddy now full) is skipped.
    """
    confirmed = []
    with transaction.atomic():
        proposals = (
            Proposal.objects.select_for_update()
            .filter(pk__in=proposal_ids, status=Proposal.Status.PROPOSED)
            .select_related("incoming", "buddy")
            .order_by("-score")
        )
        for proposal in proposals:
            try:  # their own savepoint undoes a pair or an offer that is not possible
                if as_offers:
                    offer_services.make_offer(
                        user, proposal.incoming, proposal.buddy, proposal=proposal
                    )
                else:
                    pair = make_pair(user, proposal.incoming, proposal.buddy, proposal=proposal)
                    audit.record(actions.PAIR_CONFIRMED, user, pair=pair.pk)
            except PairNotPossible:
                continue
            confirmed.append(proposal.pk)
        Proposal.objects.filter(pk__in=confirmed).update(
            status=Proposal.Status.CONFIRMED, decided_at=timezone.now(), decided_by=user
        )
    return Decision(len(confirmed), len(proposal_ids) - len(confirmed))


CONFIRM_TASK = "matching.tasks.confirm"
# Proposals confirmed per transaction: progress shows between batches, and a worker that dies
# loses at most one uncommitted batch, which the next attempt does again.
CONFIRM_BATCH = 100
# A confirmation not moved for this long lost its worker: the sweep starts it again.
STALE_CONFIRMATION = dt.timedelta(minutes=5)


def start_confirmation(
    user: User, run: MatchRun, proposal_ids: list[int] | None = None
) -> Confirmation:
    """Confirm the run's chosen proposals (all those still to decide when None) in a task,
    and tell the students the run left waiting: the request answers at once.

    The task is started through the outbox in the same transaction, so a request that dies
    after the commit loses nothing; the waiting students are told now that the coordinator
    has reviewed the run."""
    to_decide = run.proposals.filter(status=Proposal.Status.PROPOSED)
    if proposal_ids is not None:
        to_decide = to_decide.filter(pk__in=proposal_ids)
    with transaction.atomic():
        ids = list(to_decide.order_by("-score", "pk").values_list("pk", flat=True))
        confirmation = Confirmation.objects.create(
            run=run,
            requested_by=user,
            proposal_ids=ids,
            total=len(ids),
            as_offers=offers_buddies(),
        )
        audit.record(
            actions.PROPOSALS_CONFIRMING,
            user,
            run=run.pk,
            confirmation=confirmation.pk,
            proposals=len(ids),
        )
        start_task(f"confirm:{confirmation.pk}:1", CONFIRM_TASK, confirmation.pk)
        tell_waiting_students(user, run)
    return confirmation


def execute_confirmation(confirmation_id: int) -> None:
    """Confirm a confirmation's proposals in batches, recording progress with each batch.

    Idempotent: a proposal confirmed by an earlier attempt is no longer "proposed" and is
    not counted twice; a finished confirmation does nothing."""
    confirmation = Confirmation.objects.filter(pk=confirmation_id).first()
    if confirmation is None or confirmation.status == Confirmation.Status.DONE:
        return
    Confirmation.objects.filter(pk=confirmation_id).update(status=Confirmation.Status.RUNNING)
    user = confirmation.requested_by
    ids = confirmation.proposal_ids
    for start in range(0, len(ids), CONFIRM_BATCH):
        batch = ids[start : start + CONFIRM_BATCH]
        with transaction.atomic():
            # Only what is still to decide: a batch an earlier attempt committed is skipped.
            open_ids = list(
                Proposal.objects.filter(pk__in=batch, status=Proposal.Status.PROPOSED).values_list(
                    "pk", flat=True
                )
            )
            if not open_ids:
                continue
            decision = confirm_proposals(user, open_ids, as_offers=confirmation.as_offers)
            Confirmation.objects.filter(pk=confirmation_id).update(
                confirmed=F("confirmed") + decision.done,
                updated_at=timezone.now(),
            )
    with transaction.atomic():
        row = Confirmation.objects.select_for_update().get(pk=confirmation_id)
        row.skipped = row.total - row.confirmed
        row.status = Confirmation.Status.DONE
        row.finished_at = timezone.now()
        row.save(update_fields=["skipped", "status", "finished_at", "updated_at"])


def resume_stale_confirmations(now: dt.datetime | None = None) -> int:
    """Start again the confirmations whose worker died (nothing moved for a while)."""
    now = now or timezone.now()
    stale = Confirmation.objects.exclude(status=Confirmation.Status.DONE).filter(
        updated_at__lt=now - STALE_CONFIRMATION
    )
    with transaction.atomic():
        found = list(stale.select_for_update(skip_locked=True))
        for confirmation in found:
            confirmation.attempts += 1
            confirmation.save(update_fields=["attempts", "updated_at"])
            start_task(
                f"confirm:{confirmation.pk}:{confirmation.attempts}",
                CONFIRM_TASK,
                confirmation.pk,
            )
    return len(found)


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


def score_by_hand(incoming: Profile, buddy: Profile) -> PairScore:
    """The engine's score of one pair under the section's policy, with the hard constraints
    it breaks (empty when it respects them all)."""
    engine_incoming, engine_buddy = selectors.engine_profiles(incoming, buddy)
    policy = MatchingPolicy.load().to_engine()
    return score_pair(engine_incoming, engine_buddy, policy, timezone.localdate())


def broken_constraints(incoming: Profile, buddy: Profile) -> tuple[str, ...]:
    """The section's hard constraints a pair breaks (empty when it respects them all)."""
    return tuple(score_by_hand(incoming, buddy).violations)


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
) -> Pair | Offer:
    """A pair the coordinator makes; breaking a hard constraint needs their explicit consent.

    In the "buddies accept" mode it is a suggestion: offered to the buddy, with the engine's
    score and reasons, and the pair is made when the buddy accepts."""
    scored = score_by_hand(incoming, buddy)
    broken = tuple(scored.violations)
    if broken and not accept_broken_constraints:
        raise BrokenConstraints(broken)
    if offers_buddies():
        return offer_services.make_offer(
            user,
            incoming,
            buddy,
            score=scored.score,
            breakdown=dict(scored.breakdown),
            details=dict(scored.details),
        )
    with transaction.atomic():
        pair = make_pair(user, incoming, buddy, broken=broken)
        audit.record(
            actions.PAIR_CREATED_BY_HAND, user, pair=pair.pk, broken_constraints=list(broken)
        )
    return pair


def update_policy(user: User, values: dict) -> MatchingPolicy:
    """Save the section's weights, hard constraints, goal and nationality quota, and its
    matching mode and request settings. Switching modes changes no pair: only how the next
    ones are made."""
    Policy(weights=values["weights"], hard_constraints=values["hard_constraints"])  # validates
    with transaction.atomic():
        policy = MatchingPolicy.load()
        before = policy.matching_mode
        for field, value in values.items():
            setattr(policy, field, value)
        policy.save()
        audit.record(actions.POLICY_CHANGED, user, **values)
        if policy.matching_mode != before:
            audit.record(
                actions.MATCHING_MODE_CHANGED, user, before=before, after=policy.matching_mode
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
            "offer_days": defaults.offer_days,
        },
    )
