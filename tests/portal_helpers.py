"""Shared pieces of the student portal tests."""

from datetime import timedelta
from smtplib import SMTPException

from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from core.models import Hobby, PlaceOfStudy


def make_catalogue() -> tuple[PlaceOfStudy, list[Hobby]]:
    """The current section's place of study and hobbies that the forms offer."""
    place = PlaceOfStudy.objects.create(name="Université de Lille")
    hobbies = [Hobby.objects.create(name=name) for name in ("Cooking", "Hiking", "Music")]
    return place, hobbies


def registration_data(
    role: str, place: PlaceOfStudy, hobby_choices: list[Hobby], **overrides
) -> dict:
    today = timezone.localdate()
    data = {
        "first_name": "Ana",
        "last_name": "García",
        "email": "ana@example.org",
        "password": "una-clave-larga-2026",
        "birth_date": "2003-05-17",
        "gender": "woman",
        "nationality": "ES",
        "language": "en",
        "place_of_study": str(place.pk),
        "faculty": "Law",
        "study_level": "master",
        "hobbies": [str(hobby.pk) for hobby in hobby_choices[:2]],
        "preferred_buddy_gender": "any",
        "about": "I love the sea.",
        "phone": "+34 600 000 000",
        "instagram": "@ana.es",
        "consent": "on",
        "languages-TOTAL_FORMS": "2",
        "languages-INITIAL_FORMS": "0",
        "languages-MIN_NUM_FORMS": "0",
        "languages-MAX_NUM_FORMS": "8",
        "languages-0-language": "es",
        "languages-0-level": "native",
        "languages-1-language": "en",
        "languages-1-level": "fluent",
    }
    if role == "incoming":
        data |= {
            "home_university": "Universidad de Granada",
            "arrival_date": str(today + timedelta(days=30)),
            "departure_date": str(today + timedelta(days=150)),
        }
    else:
        data |= {
            "available_from": str(today),
            "available_until": str(today + timedelta(days=200)),
            "capacity": "2",
        }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


class FailingOnceBackend(EmailBackend):
    """A mail relay that is down for the first `failures_left` sends."""

    failures_left = 0

    def send_messages(self, messages):
        if FailingOnceBackend.failures_left:
            FailingOnceBackend.failures_left -= 1
            raise SMTPException("relay unavailable")
        return super().send_messages(messages)


def local(days: int, hour: int = 18) -> str:
    """A datetime-local value `days` from now at `hour`."""
    return f"{timezone.localdate() + timedelta(days=days):%Y-%m-%d}T{hour:02d}:30"


def event_data(**overrides) -> dict:
    data = {
        "title": "Crêpe party",
        "starts_at": local(10),
        "ends_at": local(10, 22),
        "place": "Maison des étudiants",
        "capacity": "30",
        "audience": "everyone",
        "description": "Crêpes, games.",
        "published": "on",
    }
    return {key: value for key, value in (data | overrides).items() if value is not None}
