"""Writes of offers: making one, the buddy's answer, expiry and a coordinator's withdrawal.

An offer is made in the transaction that confirms its proposal (or the coordinator's
suggestion), with its email to the buddy: one outbox row per offer, so a retried
confirmation sends nothing twice, and a pending offer per incoming student at most (a
partial unique constraint), so it never offers them twice. Accepting makes the pair through
`matching.pairs.make_pair` (which sends both students their pair email, once); declining or
letting it expire puts the incoming student back among the waiting and remembers the pair as
forbidden, so that the next run does not propose it again.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import audit
from core.accounts.models import User
from core.models import Profile
from core.outbox.services import send_email
from matching import actions
from matching.models import ForbiddenPair, MatchingPolicy, Offer, Pair, PinnedPair, Proposal
from matching.offers.emails import OFFER_EMAIL
from matching.pairs import PairNotPossible, lock_pairable, make_pair

CLOSED_WORDS = {
    Offer.Status.ACCEPTED: _("This offer was already accepted."),
    Offer.Status.DECLINED: _("This offer was already declined."),
    Offer.Status.EXPIRED: _("This offer expired: it was not answered in time."),
    Offer.Status.WITHDRAWN: _("The coordinators withdrew this offer."),
}


class OfferClosed(Exception):
    """The offer cannot be answered or withdrawn: `status` is what it is now."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status

    @property
    def message(self) -> str:
        """Why, in words (the page's message, the API's error)."""
        return str(CLOSED_WORDS.get(self.status, _("This offer cannot be answered any more.")))


def offer_key(offer: Offer) -> str:
    return f"offer:{offer.pk}"


def make_offer(
    user: User | None,
    incoming: Profile,
    buddy: Profile,
    *,
    proposal: Proposal | None = None,
    score: int | None = None,
    breakdown: dict | None = None,
    details: dict | None = None,
) -> Offer:
    """Offer the incoming student to the buddy if they could be paired now (the same checks
    as a pair, pending offers counted); the buddy's email follows the commit, once."""
    with transaction.atomic():
        incoming, buddy = lock_pairable(incoming, buddy)
        days = MatchingPolicy.load().offer_days
        offer = Offer.objects.create(
            incoming=incoming,
            buddy=buddy,
            proposal=proposal,
            score=proposal.score if proposal else score,
            breakdown=proposal.breakdown if proposal else (breakdown or {}),
            details=proposal.details if proposal else (details or {}),
            created_by=user,
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        audit.record(actions.OFFER_MADE, user, offer=offer.pk, proposal=proposal and proposal.pk)
        send_email(offer_key(offer), OFFER_EMAIL, offer=offer.pk)
    return offer


def _expire_if_due(offer_id: int, now: dt.datetime, **owner) -> None:
    """An offer past its time that the periodic task has not swept yet expires now, in a
    transaction of its own: the answer that found it is refused, the expiry is kept."""
    with transaction.atomic():
        offer = (
            Offer.objects.select_for_update()
            .filter(pk=offer_id, status=Offer.Status.PENDING, expires_at__lte=now, **owner)
            .first()
        )
        if offer is not None:
            _close(offer, Offer.Status.EXPIRED, now)
            audit.record(actions.OFFERS_EXPIRED, None, offers=[offer.pk])


def _open_offer(offer_id: int, **owner) -> Offer:
    """The offer, locked, if it is still pending (call `_expire_if_due` first)."""
    offer = Offer.objects.select_for_update().filter(pk=offer_id, **owner).first()
    if offer is None:
        raise Offer.DoesNotExist
    if not offer.is_pending:
        raise OfferClosed(offer.status)
    return offer


def _close(offer: Offer, status: str, now: dt.datetime, **fields) -> None:
    """End a pending offer; declined or expired, the pair becomes forbidden for later runs."""
    Offer.objects.filter(pk=offer.pk).update(status=status, decided_at=now, **fields)
    offer.status, offer.decided_at = status, now
    for field, value in fields.items():
        setattr(offer, field, value)
    if status in (Offer.Status.DECLINED, Offer.Status.EXPIRED):
        ForbiddenPair.objects.get_or_create(incoming_id=offer.incoming_id, buddy_id=offer.buddy_id)
        PinnedPair.objects.filter(incoming_id=offer.incoming_id, buddy_id=offer.buddy_id).delete()


@dataclass(frozen=True)
class Accepted:
    offer: Offer
    # None when the pair was no longer possible (the incoming student left meanwhile...)
    pair: Pair | None


def accept_offer(buddy: Profile, offer_id: int) -> Accepted:
    """The buddy accepts one of their pending offers: the pair is made and both students
    are emailed (make_pair's emails, once). Raises Offer.DoesNotExist for an offer that is
    not theirs, OfferClosed for one answered, withdrawn or expired."""
    now = timezone.now()
    _expire_if_due(offer_id, now, buddy=buddy)
    with transaction.atomic():
        offer = _open_offer(offer_id, buddy=buddy)
        # accepted before the pair is made: a pending offer holds a place that make_pair counts
        offer.status = Offer.Status.ACCEPTED
        Offer.objects.filter(pk=offer.pk).update(status=offer.status, decided_at=now)
        try:
            pair = make_pair(
                buddy.user, offer.incoming, buddy, proposal=offer.proposal, origin=Pair.Origin.OFFER
            )
        except PairNotPossible as why:
            _close(offer, Offer.Status.WITHDRAWN, now)
            audit.record(actions.OFFER_NOT_POSSIBLE, buddy.user, offer=offer.pk, reason=why.reason)
            return Accepted(offer, None)
        if offer.proposal is None:  # a suggestion by hand: its score was the offer's
            Pair.objects.filter(pk=pair.pk).update(score=offer.score, breakdown=offer.breakdown)
        Offer.objects.filter(pk=offer.pk).update(pair=pair)
        offer.pair = pair
        audit.record(actions.OFFER_ACCEPTED, buddy.user, offer=offer.pk, pair=pair.pk)
    return Accepted(offer, pair)


def decline_offer(buddy: Profile, offer_id: int, reason: str = "") -> Offer:
    """The buddy declines: the incoming student waits again, and the next run avoids the pair.
    Raises as `accept_offer` does."""
    now = timezone.now()
    _expire_if_due(offer_id, now, buddy=buddy)
    with transaction.atomic():
        offer = _open_offer(offer_id, buddy=buddy)
        _close(offer, Offer.Status.DECLINED, now, decline_reason=reason.strip()[:300])
        audit.record(actions.OFFER_DECLINED, buddy.user, offer=offer.pk)
    return offer


def withdraw_offer(user: User, offer_id: int) -> Offer:
    """A coordinator takes back a pending offer: the student waits again, the pair stays
    allowed. Raises Offer.DoesNotExist or OfferClosed."""
    now = timezone.now()
    _expire_if_due(offer_id, now)
    with transaction.atomic():
        offer = _open_offer(offer_id)
        _close(offer, Offer.Status.WITHDRAWN, now, decided_by=user)
        audit.record(actions.OFFER_WITHDRAWN, user, offer=offer.pk)
    return offer


def expire_offers(now: dt.datetime | None = None) -> int:
    """Expire the pending offers past their time (periodic): as declined, without a reason.
    Idempotent; offers a buddy is answering right now (locked) are left to that answer."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Offer.objects.select_for_update(skip_locked=True).filter(
                status=Offer.Status.PENDING, expires_at__lte=now
            )
        )
        for offer in due:
            _close(offer, Offer.Status.EXPIRED, now)
        if due:
            audit.record(actions.OFFERS_EXPIRED, None, offers=[offer.pk for offer in due])
    return len(due)


def withdraw_offers_of(profile: Profile) -> int:
    """A student left the programme: their pending offers are withdrawn (not forbidden)."""
    return Offer.objects.filter(
        Q(incoming=profile) | Q(buddy=profile), status=Offer.Status.PENDING
    ).update(status=Offer.Status.WITHDRAWN, decided_at=timezone.now())
