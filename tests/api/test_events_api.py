"""The coordinators' events API: the page's lists, its form's rules, attendees and their CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from core.events import services
from core.events.emails import EVENT_PLACE_EMAIL
from core.events.models import Event, EventRegistration
from core.models import AuditEvent
from core.outbox.models import OutboxMessage
from factories import EventFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def later(days: int) -> str:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0).isoformat()


def post(client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def patch(client, url: str, body: dict):
    return client.patch(url, body, content_type="application/json")


NEW = {
    "title": "Welcome picnic",
    "place": "Citadelle park",
    "capacity": 2,
    "description": "Bring food.",
    "translations": {"en": {"title": "Welcome picnic (EN)", "description": "Bring food!"}},
}


def test_an_event_is_created_as_the_page_creates_it(
    lille, coordinator, coordinator_user, in_section
):
    response = post(coordinator, "/api/v1/coordinator/events/", {**NEW, "starts_at": later(7)})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["registered_count"] == body["waiting_count"] == 0
    assert body["published"] is True  # the model's default, not an unticked box
    assert body["audience"] == "everyone"
    with in_section(lille):
        event = Event.objects.get(pk=body["id"])
        assert event.created_by == coordinator_user
        assert event.translations == {
            "en": {"title": "Welcome picnic (EN)", "description": "Bring food!"}
        }
        assert event.title_in("en").text == "Welcome picnic (EN)"


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"starts_at": later(-1)}, {"starts_at"}),  # the form: not in the past
        ({"ends_at": later(6)}, {"ends_at"}),  # the form: ends after it starts
        ({"capacity": 0}, {"capacity"}),
        ({"translations": {"de": {"title": "Picknick"}}}, {"translations"}),  # not offered
        ({"audience": "teachers", "title": ""}, {"audience", "title"}),
    ],
)
def test_what_the_form_refuses_is_a_400_naming_the_fields(
    lille, coordinator, in_section, change, fields
):
    body = {**NEW, "starts_at": later(7), **change}
    response = post(coordinator, "/api/v1/coordinator/events/", body)
    assert response.status_code == 400
    assert set(response.json()["fields"]) == fields
    with in_section(lille):
        assert not Event.objects.exists()


def test_the_lists_are_the_pages_coming_and_past_events(lille, paris, coordinator, in_section):
    with in_section(lille):
        soon = EventFactory(title="Soon", starts_at=timezone.now() + timedelta(days=1))
        later_one = EventFactory(title="Later", starts_at=timezone.now() + timedelta(days=9))
        past = EventFactory(title="Past", starts_at=timezone.now() - timedelta(days=9))
    with in_section(paris):
        EventFactory(title="Paris picnic")
    page = coordinator.get("/coordinator/events/")
    coming = coordinator.get("/api/v1/coordinator/events/").json()["results"]
    assert [e["id"] for e in coming] == [e.pk for e in page.context["coming"]]
    assert [e["id"] for e in coming] == [soon.pk, later_one.pk]
    gone = coordinator.get("/api/v1/coordinator/events/", {"when": "past"}).json()["results"]
    assert [e["id"] for e in gone] == [past.pk]
    assert coordinator.get("/api/v1/coordinator/events/", {"when": "x"}).status_code == 400


@pytest.fixture
def full_event(lille, in_section):
    """An event of one place: one student registered, two waiting."""
    with in_section(lille):
        event = EventFactory(capacity=1)
        students = [ProfileFactory(user__first_name=f"S{n}") for n in range(3)]
        for student in students:
            services.register_for_event(event.pk, student)
    return event, students


def test_more_places_move_the_waiting_list_up_and_email_them(
    lille, coordinator, full_event, in_section
):
    event, students = full_event
    url = f"/api/v1/coordinator/events/{event.pk}/"
    response = patch(coordinator, url, {"capacity": 2, "description": "Bigger park"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["capacity"], body["registered_count"], body["waiting_count"]) == (2, 2, 1)
    assert body["title"] == "Welcome picnic"  # what was not sent is kept
    assert body["description"] == "Bigger park"
    with in_section(lille):
        promoted = EventRegistration.objects.get(event=event, profile=students[1])
        assert promoted.status == EventRegistration.Status.REGISTERED
        assert OutboxMessage.objects.filter(name=EVENT_PLACE_EMAIL).count() == 1


def test_fewer_places_than_taken_is_refused(lille, coordinator, full_event, in_section):
    event, _students = full_event
    with in_section(lille):
        services.update_event(event.pk, {"capacity": 3})
    response = patch(coordinator, f"/api/v1/coordinator/events/{event.pk}/", {"capacity": 1})
    assert response.status_code == 400
    assert response.json()["fields"]["capacity"] == [
        "3 students are already registered: keep at least that many places."
    ]


def test_an_event_under_way_can_still_be_described(lille, coordinator, in_section):
    with in_section(lille):
        event = EventFactory(
            starts_at=timezone.now() - timedelta(minutes=30),
            ends_at=timezone.now() + timedelta(hours=2),
        )
    response = patch(
        coordinator, f"/api/v1/coordinator/events/{event.pk}/", {"description": "Now on!"}
    )
    assert response.status_code == 200, response.content


def test_the_attendees_in_order_and_their_csv_in_the_audit_log(
    lille, coordinator, full_event, in_section
):
    event, students = full_event
    detail = coordinator.get(f"/api/v1/coordinator/events/{event.pk}/").json()
    assert (detail["registered_count"], detail["waiting_count"]) == (1, 2)
    rows = coordinator.get(f"/api/v1/coordinator/events/{event.pk}/attendees/").json()["results"]
    assert [(r["profile_id"], r["status"]) for r in rows] == [
        (students[0].pk, "registered"),
        (students[1].pk, "waiting"),
        (students[2].pk, "waiting"),
    ]
    assert rows[0]["email"] == students[0].user.email
    export = coordinator.get(
        f"/api/v1/coordinator/events/{event.pk}/attendees/export/", HTTP_ACCEPT="text/csv"
    )
    assert export.status_code == 200
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(export.content.decode())))
    assert lines[0] == ["name", "email", "role", "status", "registered at"]
    assert [line[1] for line in lines[1:]] == [s.user.email for s in students]
    with in_section(lille):
        exported = AuditEvent.objects.get(action=services.ATTENDEES_EXPORTED)
        assert exported.details == {"event": event.pk, "rows": 3}
