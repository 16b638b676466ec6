"""The events pages: coordinators plan events, students register, calendars subscribe."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.events.models import Audience, Event, EventRegistration
from core.models import AuditEvent
from factories import ProfileFactory
from portal_helpers import event_data, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(lille, in_section, make_event) -> Event:
    with in_section(lille):
        return make_event()


@pytest.fixture
def student(lille, in_section):
    with in_section(lille):
        return ProfileFactory(user__first_name="Ana", user__email="ana@example.org")


@pytest.fixture
def student_client(lille, student, client_for) -> Client:
    return client_for(lille, student.user)


def test_lilles_event_list_shows_nothing_of_paris(coordinator, paris, in_section, make_event):
    with in_section(paris):
        make_event(title="Paris only")
    assert "Paris only" not in coordinator.get("/coordinator/events/").content.decode()


def test_the_menus_offer_events_and_messages(coordinator, student_client):
    page = coordinator.get("/coordinator/events/").content.decode()
    assert 'href="/coordinator/events/"' in page and 'href="/coordinator/messages/"' in page
    assert 'href="/events/"' in student_client.get("/account/").content.decode()


def test_a_coordinator_creates_and_edits_an_event(coordinator, lille, in_section):
    response = coordinator.post("/coordinator/events/new/", event_data())
    with in_section(lille):
        event = Event.objects.get()
    assert response["Location"] == f"/coordinator/events/{event.pk}/"
    assert event.capacity == 30 and event.published and event.audience == "everyone"
    assert timezone.localtime(event.starts_at).hour == 18
    page = coordinator.get("/coordinator/events/").content.decode()
    assert "Crêpe party" in page and "0 of 30 places taken" in page

    edited = coordinator.post(
        f"/coordinator/events/{event.pk}/edit/",
        event_data(title="Crêpe night", audience="buddies", published=None),
    )
    assert edited.status_code == 302
    with in_section(lille):
        event.refresh_from_db()
    assert (event.title, event.audience, event.published) == ("Crêpe night", "buddies", False)


@pytest.mark.parametrize(
    ("overrides", "field", "error"),
    [
        ({"starts_at": local(-1)}, "starts_at", "cannot start in the past"),
        ({"capacity": "0"}, "capacity", "at least one place"),
        ({"capacity": "-5"}, "capacity", "at least one place"),
        ({"capacity": "many"}, "capacity", "Enter a whole number"),
        ({"ends_at": local(10, 12)}, "ends_at", "must end after it starts"),
        ({"starts_at": "next friday"}, "starts_at", "Enter a valid date/time"),
        ({"title": ""}, "title", "This field is required"),
    ],
)
def test_bad_events_are_refused_with_clear_errors(
    overrides, field, error, coordinator, lille, in_section
):
    response = coordinator.post("/coordinator/events/new/", event_data(**overrides))
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    assert error in response.content.decode()
    with in_section(lille):
        assert not Event.objects.exists()


def test_editing_keeps_at_least_the_places_taken(coordinator, event, lille, in_section):
    with in_section(lille):
        for _ in range(2):
            EventRegistration.objects.create(
                event=event,
                profile=ProfileFactory(),
                status="registered",
                created_at=event.created_at,
            )
    response = coordinator.post(f"/coordinator/events/{event.pk}/edit/", event_data(capacity="1"))
    assert "2 students are already registered" in response.content.decode()
    with in_section(lille):
        assert Event.objects.get(pk=event.pk).capacity == 2


def test_an_event_that_started_can_still_be_corrected(coordinator, lille, in_section, make_event):
    with in_section(lille):
        started = make_event(starts_at=timezone.now() - timedelta(hours=1))
    # the form shows minutes: the same minute is "unchanged"
    starts = timezone.localtime(started.starts_at).strftime("%Y-%m-%dT%H:%M")
    response = coordinator.post(
        f"/coordinator/events/{started.pk}/edit/",
        event_data(starts_at=starts, ends_at=None, description="Moved inside: rain."),
    )
    assert response.status_code == 302
    with in_section(lille):
        assert Event.objects.get(pk=started.pk).description == "Moved inside: rain."
    moved = coordinator.post(
        f"/coordinator/events/{started.pk}/edit/", event_data(starts_at=local(-1), ends_at=None)
    )
    assert "cannot start in the past" in moved.content.decode()


def test_the_attendee_page_and_csv_export(coordinator, event, student, lille, in_section):
    with in_section(lille):
        buddy = ProfileFactory(buddy=True, user__first_name="Lucas", user__last_name="Petit")
        other = ProfileFactory(user__first_name="Zoe", user__last_name="Cancelled")
        now = timezone.now()
        EventRegistration.objects.create(
            event=event, profile=student, status="registered", created_at=now
        )
        EventRegistration.objects.create(
            event=event, profile=buddy, status="waiting", created_at=now
        )
        EventRegistration.objects.create(
            event=event, profile=other, status="cancelled", created_at=now
        )
    page = coordinator.get(f"/coordinator/events/{event.pk}/").content.decode()
    assert "ana@example.org" in page and "Lucas Petit" in page and "On the waiting list" in page
    assert "Zoe" not in page

    response = coordinator.get(f"/coordinator/events/{event.pk}/attendees.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    lines = response.content.decode().splitlines()
    assert lines[0] == "name,email,role,status,registered at"
    assert lines[1].startswith(
        f"{student.user.get_full_name()},ana@example.org,incoming,registered,"
    )
    assert lines[2].startswith(f"Lucas Petit,{buddy.user.email},buddy,waiting,")
    assert len(lines) == 3
    with in_section(lille):
        audit = AuditEvent.objects.get(action="event_attendees_exported")
    assert audit.details == {"event": event.pk, "rows": 2}


def test_students_register_join_the_waiting_list_and_cancel(
    event,
    student,
    student_client,
    lille,
    in_section,
    client_for,
    django_capture_on_commit_callbacks,
):
    from django.core import mail

    page = student_client.get("/events/").content.decode()
    assert "Welcome picnic" in page and "2 places left" in page
    response = student_client.post(f"/events/{event.pk}/register/", follow=True)
    assert "You are registered for Welcome picnic" in response.content.decode()
    with in_section(lille):
        filler = ProfileFactory()
    client_for(lille, filler.user).post(f"/events/{event.pk}/register/")
    with in_section(lille):
        late = ProfileFactory(user__email="late@example.org")
    late_client = client_for(lille, late.user)
    waiting = late_client.post(f"/events/{event.pk}/register/", follow=True).content.decode()
    assert "you are on the waiting list" in waiting
    assert "waiting list (number 1)" in late_client.get("/events/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = student_client.post(f"/events/{event.pk}/cancel/", follow=True)
    assert "no longer registered" in cancelled.content.decode()
    with in_section(lille):
        assert EventRegistration.objects.get(profile=late).status == "registered"
    assert [m.to for m in mail.outbox] == [["late@example.org"]]
    assert "You are registered." in late_client.get("/events/").content.decode()


def test_student_pages_need_a_student(event, coordinator, student_client, lille):
    anonymous = Client(HTTP_HOST=lille.host)
    assert anonymous.get("/events/")["Location"].startswith("/accounts/login/")
    assert anonymous.post(f"/events/{event.pk}/register/")["Location"].startswith(
        "/accounts/login/"
    )
    assert coordinator.get("/events/")["Location"] == "/"
    assert student_client.get(f"/events/{event.pk}/register/").status_code == 405


def test_students_see_and_register_only_for_their_audience(
    student, student_client, lille, in_section, make_event
):
    with in_section(lille):
        make_event(title="City tour for incoming", audience=Audience.INCOMING)
        training = make_event(title="Buddy training", audience=Audience.BUDDIES)
        hidden = make_event(title="Secret draft", published=False)
    page = student_client.get("/events/").content.decode()
    assert "City tour for incoming" in page
    assert "Buddy training" not in page and "Secret draft" not in page
    assert student_client.post(f"/events/{training.pk}/register/").status_code == 404
    assert student_client.post(f"/events/{hidden.pk}/register/").status_code == 404
    assert student_client.post("/events/999999/register/").status_code == 404
    with in_section(lille):
        assert not EventRegistration.objects.exists()


def test_an_unverified_student_is_told_to_verify_first(event, lille, in_section, client_for):
    with in_section(lille):
        unverified = ProfileFactory(email_verified_at=None)
    response = client_for(lille, unverified.user).post(f"/events/{event.pk}/register/", follow=True)
    assert "Verify your email address" in response.content.decode()
    with in_section(lille):
        assert not EventRegistration.objects.exists()


def test_a_student_of_paris_gets_nothing_of_lille(event, paris, in_section, client_for):
    with in_section(paris):
        parisian = ProfileFactory()
    on_paris = client_for(paris, parisian.user)
    assert "Welcome picnic" not in on_paris.get("/events/").content.decode()
    assert on_paris.post(f"/events/{event.pk}/register/").status_code == 404


def test_the_calendar_feed(lille, in_section, make_event, lille_client):
    import datetime as dt

    with in_section(lille):
        starts = timezone.make_aware(dt.datetime(2030, 5, 1, 18, 30))  # Paris summer time
        event = make_event(
            title="Quiz; night, with prizes",
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            place="Bar Le Relax, Lille",
            description="Teams of four.\nBring a pen\\paper. " + "Long text " * 20,
        )
        make_event(title="Unpublished", published=False)
        make_event(title="Last year", starts_at=timezone.now() - timedelta(days=300))
    response = lille_client.get("/events/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.content.decode()
    assert raw.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert raw.endswith("END:VCALENDAR\r\n")
    physical = raw.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in physical)
    assert "\n" not in raw.replace("\r\n", "")
    # unfold (RFC 5545 3.1) to read the content lines
    lines = raw.replace("\r\n ", "").split("\r\n")
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    assert f"UID:event-{event.pk}@lille.localhost" in lines
    assert "DTSTART:20300501T163000Z" in lines
    assert "DTEND:20300501T193000Z" in lines
    assert "SUMMARY:Quiz\\; night\\, with prizes" in lines
    assert "LOCATION:Bar Le Relax\\, Lille" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert description.startswith("DESCRIPTION:Teams of four.\\nBring a pen\\\\paper. Long text")
    stamp = next(line for line in lines if line.startswith("DTSTAMP:"))
    assert len(stamp) == len("DTSTAMP:20300501T163000Z") and stamp.endswith("Z")
    assert "Unpublished" not in raw and "Last year" not in raw


def test_the_calendar_feed_of_paris_lists_paris_events_only(
    event, paris, in_section, make_event, paris_client
):
    with in_section(paris):
        make_event(title="Paris boat trip")
    raw = paris_client.get("/events/calendar.ics").content.decode()
    assert "Paris boat trip" in raw and "Welcome picnic" not in raw
    assert "@paris.localhost" in raw
