"""What a confirmed pair reveals of one student to the other: one function, used by the
student's account page and by every email about the pair. Templates receive only this."""

from dataclasses import dataclass

from core.models import Profile


@dataclass(frozen=True)
class BuddyContact:
    first_name: str
    name: str
    email: str
    # Empty unless the student chose to share them (they are optional profile fields).
    phone: str
    instagram: str


def buddy_contact(profile: Profile) -> BuddyContact:
    user = profile.user
    return BuddyContact(
        first_name=user.first_name,
        name=user.get_full_name(),
        email=user.email,
        phone=profile.phone,
        instagram=profile.instagram,
    )
