"""A student's programme status as they see it, with their buddies' contact once matched."""

from dataclasses import dataclass, field

from django.utils import timezone

from core.models import Profile
from core.outbox.selectors import message_exists
from matching.disclosure import BuddyContact, buddy_contact
from matching.models import Pair


@dataclass(frozen=True)
class ProgrammeStatus:
    # "withdrawn", "deactivated", "unverified", "matched", "stay_over", "waiting_list", "waiting"
    state: str
    buddies: list[BuddyContact] = field(default_factory=list)


def waiting_list_key(profile_id: int) -> str:
    return f"waiting-list:{profile_id}"


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
    if message_exists(waiting_list_key(profile.pk)):
        return ProgrammeStatus("waiting_list")
    return ProgrammeStatus("waiting")
