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


@dataclass(frozen=True)
class OfferedStudent:
    """What an offer shows the buddy of the incoming student before they accept: no surname,
    email, age, gender or anything else of the profile, until the pair is made."""

    first_name: str
    nationality: object  # django_countries' Country: its name is read in the reader's language
    place_of_study: object | None  # a PlaceOfStudy, shown with `shown_name`
    arrival_date: object
    departure_date: object


def offered_student(profile: Profile) -> OfferedStudent:
    return OfferedStudent(
        first_name=profile.user.first_name,
        nationality=profile.nationality,
        place_of_study=profile.place_of_study,
        arrival_date=profile.arrival_date,
        departure_date=profile.departure_date,
    )
