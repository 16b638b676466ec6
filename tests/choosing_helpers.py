"""Students and settings for the tests of "buddies choose" (tests/matching/test_requests*.py),
in the section the connection is in."""

import itertools

from django.utils import timezone

from factories import HobbyFactory, ProfileFactory
from matching.models import MatchingPolicy


def set_policy(**values) -> MatchingPolicy:
    policy = MatchingPolicy.load()
    values.setdefault("matching_mode", MatchingPolicy.MatchingMode.BUDDIES_CHOOSE)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.save()
    return policy


_numbers = itertools.count()


def incoming_student(**fields):
    """An incoming student whose every field is recognisable on a page."""
    hobbies = fields.pop("hobbies", [HobbyFactory(name="Climbing")])
    student = ProfileFactory(
        **{
            "user__first_name": "Ingrid",
            "user__last_name": "Surnameson",
            "user__email": f"ingrid.private{next(_numbers)}@example.org",
            "nationality": "NO",
            "gender": "non_binary",
            "birth_date": timezone.localdate().replace(year=2001, month=2, day=3),
            "faculty": "Marine Biology",
            "home_university": "Universitetet i Bergen",
            "note_for_buddy": "I would love to try the local cheese.",
            "about": "Private words for the coordinators.",
            "phone": "+47 400 00 000",
            "instagram": "@ingrid.no",
            "languages": ["en", "nb"],
            **fields,
        }
    )
    student.hobbies.set(hobbies)
    return student


def buddy(**fields):
    fields.setdefault("languages", ["fr", "en"])
    return ProfileFactory(buddy=True, **fields)
