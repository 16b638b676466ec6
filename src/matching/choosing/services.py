"""A buddy takes a request: the pair is made at once, under locks, within the pick limit."""

from django.db import transaction

from core import audit
from core.accounts.models import User
from core.models import Profile
from matching import actions
from matching.choosing.selectors import is_open, may_take, picks
from matching.models import MatchingPolicy, Pair
from matching.pairs import PairNotPossible, make_pair


class CannotTake(Exception):
    """The request cannot be taken; `reason` says why, for the message the buddy reads."""

    CLOSED = "closed"  # the section is not in the "buddies choose" mode
    NOT_A_BUDDY = "not_a_buddy"
    LIMIT = "limit"  # the buddy took as many requests as the period allows
    FULL = "full"  # the buddy has no free place
    TAKEN = "taken"  # another buddy took this student first
    GONE = "gone"  # the request is not open to this buddy (left, rules, never was)

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def take_request(user: User, incoming_id: int) -> Pair:
    """`user`, a local buddy, takes the request of incoming student `incoming_id`.

    The buddy is locked first (two tabs of one buddy count their picks one after the other),
    then the student (two buddies taking one student: the second waits, then finds the pair
    made). Under the locks, the request must still be one the list would show this buddy.
    Both students are emailed after the commit (`make_pair`).
    """
    if not is_open():
        raise CannotTake(CannotTake.CLOSED)
    with transaction.atomic():
        buddy = (
            Profile.objects.select_for_update().filter(user=user, role=Profile.Role.BUDDY).first()
        )
        if buddy is None:
            raise CannotTake(CannotTake.NOT_A_BUDDY)
        incoming = (
            Profile.objects.select_for_update()
            .filter(pk=incoming_id, role=Profile.Role.INCOMING)
            .first()
        )
        if incoming is None:
            raise CannotTake(CannotTake.GONE)
        if picks(buddy, MatchingPolicy.load()).left <= 0:
            raise CannotTake(CannotTake.LIMIT)
        if Pair.objects.active().filter(incoming=incoming).exists():
            raise CannotTake(CannotTake.TAKEN)
        if not may_take(buddy, incoming.pk):
            full = Pair.objects.active().filter(buddy=buddy).count() >= (buddy.capacity or 0)
            raise CannotTake(CannotTake.FULL if full else CannotTake.GONE)
        try:
            pair = make_pair(user, incoming, buddy, origin=Pair.Origin.BUDDY_CHOICE)
        except PairNotPossible as refused:
            full = refused.reason == "buddy full"
            raise CannotTake(CannotTake.FULL if full else CannotTake.GONE) from None
        audit.record(actions.REQUEST_TAKEN, user, pair=pair.pk)
    return pair
