"""/api/v1/me/events/…: the events a student sees, as the events page lists them, and their
registration through the page's services (places, the waiting list, the freed place's email)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from clients import section_client
from core.events.models import Audience, EventRegistration
from core.events.selectors import student_event_list
from core.models import Profile
from factories import EventFactory, ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(lille, in_section):
    with in_section(lille):
        return ProfileFactory(user__email="ana@example.org")


@pytest.fixture
def client(lille, ana):
    return section_client(lille, ana.user)


def register(client, event_id: int, **headers):
    return client.post(f"/api/v1/me/events/{event_id}/register/", **headers)


def cancel(client, event_id: int, **headers):
    return client.post(f"/api/v1/me/events/{event_id}/cancel/", **headers)


def test_the_list_is_the_events_pages(client, lille, ana, in_section):
    with in_section(lille):
        picnic = EventFactory(title="Picnic", translations={"en": {"title": "Picnic (en)"}})
        EventFactory(title="Buddies' meeting", audience=Audience.BUDDIES)
        EventFactory(title="Draft", published=False)
        EventFactory(title="Over", starts_at=timezone.now() - timedelta(days=2))
        later = EventFactory(title="Trip", starts_at=timezone.now() + timedelta(days=20))
        expected = [row.event.pk for row in student_event_list(ana)]
    body = client.get("/api/v1/me/events/").json()
    assert [row["id"] for row in body["results"]] == expected == [picnic.pk, later.pk]
    first = body["results"][0]
    assert first["title"] in ("Picnic", "Picnic (en)")  # the reader's language, as on the page
    assert first["places_left"] == 20 and first["registration"] is None and first["open"]
    assert "Buddies' meeting" not in str(body) and "Draft" not in str(body)


def test_a_full_event_puts_the_student_on_the_waiting_list_in_order(client, lille, ana, in_section):
    with in_section(lille):
        event = EventFactory(capacity=1)
        EventRegistration.objects.create(
            event=event,
            profile=ProfileFactory(),
            status=EventRegistration.Status.REGISTERED,
            created_at=timezone.now(),
        )
        ahead = ProfileFactory()
    assert register(section_client(lille, ahead.user), event.pk).json()["waiting_position"] == 1
    response = register(client, event.pk)
    assert response.status_code == 200
    row = response.json()
    assert row["registration"] == "waiting" and row["waiting_position"] == 2
    assert row["places_left"] == 0
    assert register(client, event.pk).json() == row  # registering again changes nothing
    with in_section(lille):
        assert EventRegistration.objects.filter(event=event).count() == 3


def test_cancelling_gives_the_place_to_the_first_waiting_who_is_emailed_once_per_key(
    client, lille, ana, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        event = EventFactory(capacity=1)
        waiting = ProfileFactory(user__email="waiting@example.org", language="fr")
    assert register(client, event.pk).json()["registration"] == "registered"
    register(section_client(lille, waiting.user), event.pk)
    key = {"HTTP_IDEMPOTENCY_KEY": "cancel-1"}
    with django_capture_on_commit_callbacks(execute=True):
        first = cancel(client, event.pk, **key)
        again = cancel(client, event.pk, **key)
    assert first.status_code == again.status_code == 200
    assert first.json()["registration"] == "cancelled" and again["Idempotent-Replayed"] == "true"
    with in_section(lille):
        promoted = EventRegistration.objects.get(event=event, profile=waiting)
        assert promoted.status == EventRegistration.Status.REGISTERED
    assert [message.to for message in mail.outbox] == [["waiting@example.org"]]
    assert mail.outbox[0].subject.startswith("Vous avez une place pour")  # her language


def test_an_event_the_student_may_not_see_does_not_exist_for_them(client, lille, in_section):
    with in_section(lille):
        hidden = [
            EventFactory(audience=Audience.BUDDIES),
            EventFactory(published=False),
            EventFactory(starts_at=timezone.now() - timedelta(days=2)),
        ]
    for event in hidden:
        for call in (register, cancel):
            response = call(client, event.pk)
            assert response.status_code == 404 and response.json()["code"] == "not_found"
    with in_section(lille):
        assert not EventRegistration.objects.exists()


def test_the_services_refusals_are_a_409_in_their_words(client, lille, ana, in_section):
    with in_section(lille):
        under_way = EventFactory(
            starts_at=timezone.now() - timedelta(hours=1),
            ends_at=timezone.now() + timedelta(hours=2),
        )
        soon = EventFactory()
    response = register(client, under_way.pk)
    assert response.status_code == 409
    assert response.json() == {
        "code": "event_closed",
        "message": "This event has already started.",
        "fields": {},
    }
    with in_section(lille):
        Profile.objects.filter(pk=ana.pk).update(status=Profile.Status.WITHDRAWN)
    refused = register(client, soon.pk)
    assert refused.status_code == 409 and "taking part" in refused.json()["message"]
    with in_section(lille):
        assert not EventRegistration.objects.exists()


def test_another_students_registration_is_never_shown(client, lille, in_section):
    with in_section(lille):
        event = EventFactory()
        other = ProfileFactory(user__email="other@example.org")
    register(section_client(lille, other.user), event.pk)
    row = client.get("/api/v1/me/events/").json()["results"][0]
    assert row["registration"] is None and row["places_left"] == 19
    assert "other@example.org" not in str(row)
