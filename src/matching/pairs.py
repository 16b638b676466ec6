"""Making and ending pairs: one path each, whoever asks.

A pair is made from a confirmed proposal, by hand, or from a pin, always through `make_pair`,
which re-checks both students as they are now. A pair ends through `end_pair`, for one of
`Pair.EndReason`: audited, the buddy's place freed, and unless the stay ended, the student who
remains is told and shows on the dashboard.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from core import audit
from core.accounts.models import User
from core.hooks import LeftBecause
from core.models import Profile, SectionSettings
from core.outbox.services import send_email, send_emails
from matching import actions
from matching.emails import PAIR_CONFIRMED_EMAIL, PAIR_ENDED_EMAIL
from matching.models import Offer, Pair, PinnedPair, Proposal, WaitingListEntry

LEFT_TO_END_REASON = {
    LeftBecause.WITHDREW: Pair.EndReason.WITHDREW,
    LeftBecause.DEACTIVATED: Pair.EndReason.DEACTIVATED,
    LeftBecause.ACCOUNT_DELETED: Pair.EndReason.ACCOUNT_DELETED,
    LeftBecause.STAY_ENDED: Pair.EndReason.STAY_ENDED,
}


class PairNotPossible(Exception):
    """The pair cannot be made now; `reason` says why (a student left, the buddy is full...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def lock_pairable(incoming: Profile, buddy: Profile) -> tuple[Profile, Profile]:
    """Both students locked (in the caller's transaction) and checked to be pairable now.

    The lock is what keeps two confirmations, or a pair and an offer, from overbooking the
    same buddy; PairNotPossible says why not."""
    locked = {
        p.pk: p for p in Profile.objects.select_for_update().filter(pk__in=[incoming.pk, buddy.pk])
    }
    if incoming.pk not in locked or buddy.pk not in locked:
        raise PairNotPossible("gone")
    incoming, buddy = locked[incoming.pk], locked[buddy.pk]
    check_can_pair(incoming, buddy)
    return incoming, buddy


def make_pair(
    user: User | None,
    incoming: Profile,
    buddy: Profile,
    *,
    proposal: Proposal | None = None,
    broken: tuple[str, ...] = (),
    origin: str | None = None,
) -> Pair:
    """Pair two students if they can be paired now; both emails follow the commit, once.

    `origin` says how the pair came about; without it, from its proposal or by hand."""
    with transaction.atomic():
        incoming, buddy = lock_pairable(incoming, buddy)
        pair = Pair.objects.create(
            incoming=incoming,
            buddy=buddy,
            incoming_nationality=incoming.nationality.code,
            proposal=proposal,
            origin=origin or (Pair.Origin.RUN if proposal else Pair.Origin.HAND),
            score=proposal.score if proposal else None,
            breakdown=proposal.breakdown if proposal else {},
            broken_constraints=list(broken),
            confirmed_at=timezone.now(),
            confirmed_by=user,
        )
        PinnedPair.objects.filter(incoming=incoming).delete()
        WaitingListEntry.objects.filter(profile=incoming).delete()  # no longer waiting
        # both emails in one insert: confirming thousands of proposals makes thousands
        send_emails(
            (
                f"pair-confirmed:{pair.pk}:{student.pk}",
                PAIR_CONFIRMED_EMAIL,
                {"pair": pair.pk, "profile": student.pk},
            )
            for student in (incoming, buddy)
        )
        return pair


def check_can_pair(incoming: Profile, buddy: Profile) -> None:
    """Raise PairNotPossible unless the two can be paired (or offered to each other) now."""
    today = timezone.localdate()
    if incoming.role != Profile.Role.INCOMING or buddy.role != Profile.Role.BUDDY:
        raise PairNotPossible("roles")
    for student in (incoming, buddy):
        if student.status != Profile.Status.ACTIVE:
            raise PairNotPossible("not taking part")
        if not student.is_verified:
            raise PairNotPossible("not verified")
        if student.stay_ends is None or student.stay_ends < today:
            raise PairNotPossible("stay over")
    # one query for both: confirming thousands of proposals checks thousands of pairs
    found = (
        Pair.objects.active()
        .filter(Q(incoming=incoming) | Q(buddy=buddy))
        .aggregate(
            incoming_pairs=Count("pk", filter=Q(incoming=incoming)),
            buddy_pairs=Count("pk", filter=Q(buddy=buddy)),
        )
    )
    if found["incoming_pairs"]:
        raise PairNotPossible("already paired")
    # a pending offer holds the incoming student and one of the buddy's places (an offer
    # being accepted is no longer pending when its pair is made)
    offers = (
        Offer.objects.filter(Q(incoming=incoming) | Q(buddy=buddy), status=Offer.Status.PENDING)
    ).aggregate(
        incoming_offers=Count("pk", filter=Q(incoming=incoming)),
        buddy_offers=Count("pk", filter=Q(buddy=buddy)),
    )
    if offers["incoming_offers"]:
        raise PairNotPossible("offered")
    if found["buddy_pairs"] + offers["buddy_offers"] >= (buddy.capacity or 0):
        raise PairNotPossible("buddy full")


def end_pair(
    user: User | None,
    pair: Pair,
    reason: str,
    *,
    note: str = "",
    leaving: Profile | None = None,
) -> bool:
    """End an active pair; False when it had ended already. `leaving` is the student whose
    departure ended it: the other one is told (nobody is, when the stay ended)."""
    with transaction.atomic():
        ended = (
            Pair.objects.active()
            .filter(pk=pair.pk)
            .update(ended_at=timezone.now(), end_reason=reason, end_note=note[:200])
        )
        if not ended:
            return False
        audit.record(actions.PAIR_ENDED, user, pair=pair.pk, reason=reason)
        if reason != Pair.EndReason.STAY_ENDED:
            for student_id in (pair.incoming_id, pair.buddy_id):
                if student_id is not None and (leaving is None or student_id != leaving.pk):
                    send_email(
                        f"pair-ended:{pair.pk}:{student_id}",
                        PAIR_ENDED_EMAIL,
                        pair=pair.pk,
                        profile=student_id,
                    )
    return True


def end_pairs_of_leaving_student(profile: Profile, reason: LeftBecause, actor: User | None) -> int:
    """A student left the programme: their pairs end and their open proposals are withdrawn."""
    end_reason = LEFT_TO_END_REASON[reason]
    ended = sum(
        end_pair(actor, pair, end_reason, leaving=profile)
        for pair in Pair.objects.active().of(profile)
    )
    side = "incoming" if profile.is_incoming else "buddy"
    Proposal.objects.filter(status=Proposal.Status.PROPOSED, **{side: profile}).update(
        status=Proposal.Status.WITHDRAWN, decided_at=timezone.now()
    )
    PinnedPair.objects.filter(**{side: profile}).delete()
    return ended


def end_finished_stays(today: dt.date | None = None) -> int:
    """End the pairs whose incoming student left more than the section's grace days ago."""
    today = today or timezone.localdate()
    grace = dt.timedelta(days=SectionSettings.load().pair_ends_days_after_stay)
    finished = Pair.objects.active().filter(incoming__departure_date__lt=today - grace)
    return sum(end_pair(None, pair, Pair.EndReason.STAY_ENDED) for pair in finished)
