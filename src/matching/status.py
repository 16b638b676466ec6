"""A student's programme status as they see it, with their buddies' contact once matched."""

from dataclasses import dataclass, field

from django.utils import timezone

from core.models import Profile
from matching.disclosure import BuddyContact, buddy_contact
from matching.models import Pair, WaitingListEntry


@dataclass(frozen=True)
class ProgrammeStatus:
    # "withdrawn", "deactivated", "unverified", "matched", "stay_over", "waiting_list", "waiting"
    state: str
    buddies: list[BuddyContact] = field(default_factory=list)
    # on the waiting list: the run's reason (WaitingListEntry.Reason)
    reason: str = ""


def waiting_list_key(entry_id: int) -> str:
    """The outbox key of the email telling a student they are on the waiting list: once per
    time on the list (a new entry after a pair ended is told again)."""
    return f"waiting-list:{entry_id}"


def active_pairs_of(profile: Profile) -> list[Pair]:
    """The confirmed, not ended pairs a student is in, with the other student loaded."""
    return list(Pair.objects.active().of(profile).with_partner_of(profile).order_by("confirmed_at"))


def programme_status(profile: Profile) -> ProgrammeStatus:
    if profile.status == Profile.Status.WITHDRAWN:
        return ProgrammeStatus("withdrawn")
    if profile.status == Profile.Status.DEACTIVATED:
        return ProgrammeStatus("deactivated")
    if not profile.is_verified:
        return ProgrammeStatus("unverified")
    others = [pair.partner_of(profile) for pair in active_pairs_of(profile)]
    contacts = [buddy_contact(other) for other in others if other is not None]
    if contacts:
        return ProgrammeStatus("matched", contacts)
    if profile.stay_ends is None or profile.stay_ends < timezone.localdate():
        return ProgrammeStatus("stay_over")
    entry = WaitingListEntry.objects.filter(profile=profile, told_at__isnull=False).first()
    if entry is not None:
        return ProgrammeStatus("waiting_list", reason=entry.reason)
    return ProgrammeStatus("waiting")
