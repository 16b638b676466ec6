"""Registrations without HTTP: places, the waiting list and its promotions, audiences."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.events import selectors, services
from core.events.emails import EVENT_PLACE_EMAIL
from core.events.models import Audience, Event, EventRegistration
from core.models import Profile
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_lille(lille, in_section):
    with in_section(lille):
        yield


def statuses(event: Event) -> dict[int, str]:
    return dict(event.registrations.values_list("profile_id", "status"))


def test_places_then_waiting_list_in_order(make_event):
    event = make_event(capacity=2)
    ana, ben, cleo, dan = (ProfileFactory() for _ in range(4))
    for student in (ana, ben, cleo, dan):
        services.register_for_event(event.pk, student)
    assert statuses(event) == {
        ana.pk: "registered",
        ben.pk: "registered",
        cleo.pk: "waiting",
        dan.pk: "waiting",
    }
    rows = {row.event.pk: row for row in selectors.student_event_list(dan)}
    assert rows[event.pk].waiting_position == 2
    assert rows[event.pk].places_left == 0


def test_registering_twice_keeps_the_place(make_event):
    event = make_event(capacity=1)
    ana = ProfileFactory()
    first = services.register_for_event(event.pk, ana)
    again = services.register_for_event(event.pk, ana)
    assert first.pk == again.pk and again.status == "registered"
    assert EventRegistration.objects.count() == 1


def test_a_cancelled_place_goes_to_the_first_waiting_student_who_is_told_once(
    django_capture_on_commit_callbacks, make_event, lille
):
    event = make_event(capacity=1)
    ana = ProfileFactory(user__email="ana@example.org")
    ben = ProfileFactory(user__email="ben@example.org", user__first_name="Ben", language="fr")
    cleo = ProfileFactory(user__email="cleo@example.org")
    for student in (ana, ben, cleo):
        services.register_for_event(event.pk, student)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_registration(event.pk, ana)
    assert statuses(event) == {ana.pk: "cancelled", ben.pk: "registered", cleo.pk: "waiting"}
    assert [m.to for m in mail.outbox] == [["ben@example.org"]]
    # in Ben's language, French
    [email] = mail.outbox
    assert email.subject == "Vous avez une place pour Welcome picnic"
    assert email.body.startswith(
        "Bonjour Ben,\n\nUne place s'est libérée pour Welcome picnic et elle est pour vous : "
        "vous êtes désormais inscrit·e."
    )
    assert (
        "Si vous ne pouvez pas venir, annulez votre place pour que l'étudiant·e suivant·e sur la "
        f"liste d'attente puisse en profiter : {lille.portal_url}/events/"
    ) in email.body
    assert "A place became free" not in email.body
    assert "Si vous ne pouvez pas venir, annulez votre place" in email.alternatives[0][0]
    registration = EventRegistration.objects.get(profile=ben)
    assert registration.promotion_emailed_at is not None
    [row] = OutboxMessage.objects.filter(name=EVENT_PLACE_EMAIL)
    assert (row.key.split(":")[:2], row.status) == (["event-place", str(registration.pk)], "sent")
    # a relay running again sends nothing more, nor does the same email written once more
    assert outbox.relay().sent == 0
    outbox.send_email("event-place:again", EVENT_PLACE_EMAIL, registration=registration.pk)
    assert outbox.relay() == outbox.Relayed(skipped=1)
    assert OutboxMessage.objects.get(key="event-place:again").status == "skipped"
    assert len(mail.outbox) == 1


def test_a_place_given_back_before_the_email_left_is_not_announced(make_event):
    event = make_event(capacity=1)
    ana, ben = ProfileFactory(), ProfileFactory()
    services.register_for_event(event.pk, ana)
    services.register_for_event(event.pk, ben)
    services.cancel_registration(event.pk, ana)  # ben's email is written, not sent yet
    services.cancel_registration(event.pk, ben)
    assert outbox.relay() == outbox.Relayed(skipped=1)
    assert mail.outbox == []
    assert OutboxMessage.objects.get(name=EVENT_PLACE_EMAIL).status == "skipped"


def test_leaving_the_waiting_list_promotes_nobody(make_event):
    event = make_event(capacity=1)
    ana, ben, cleo = (ProfileFactory() for _ in range(3))
    for student in (ana, ben, cleo):
        services.register_for_event(event.pk, student)
    services.cancel_registration(event.pk, ben)
    assert statuses(event) == {ana.pk: "registered", ben.pk: "cancelled", cleo.pk: "waiting"}


def test_registering_again_after_cancelling_joins_the_end_of_the_queue(make_event):
    event = make_event(capacity=1)
    ana, ben = ProfileFactory(), ProfileFactory()
    services.register_for_event(event.pk, ana)
    services.register_for_event(event.pk, ben)
    services.cancel_registration(event.pk, ana)  # ben gets the place
    again = services.register_for_event(event.pk, ana)
    assert again.status == "waiting"
    assert statuses(event) == {ana.pk: "waiting", ben.pk: "registered"}


def test_more_places_promote_waiting_students_and_fewer_than_taken_are_refused(make_event):
    event = make_event(capacity=1)
    ana, ben, cleo = (ProfileFactory() for _ in range(3))
    for student in (ana, ben, cleo):
        services.register_for_event(event.pk, student)
    services.update_event(event.pk, {"capacity": 2})
    assert statuses(event)[ben.pk] == "registered"
    assert statuses(event)[cleo.pk] == "waiting"
    with pytest.raises(services.CapacityBelowRegistrations) as refused:
        services.update_event(event.pk, {"capacity": 1, "title": "Changed"})
    assert refused.value.registered == 2
    assert Event.objects.get(pk=event.pk).title == "Welcome picnic"  # nothing half-written


def test_students_see_only_the_events_of_their_audience(make_event):
    everyone = make_event(title="For all")
    incoming_only = make_event(title="City tour", audience=Audience.INCOMING)
    buddies_only = make_event(title="Buddy training", audience=Audience.BUDDIES)
    make_event(title="Draft", published=False)
    make_event(title="Over", starts_at=timezone.now() - timedelta(days=2))
    incoming, buddy = ProfileFactory(), ProfileFactory(buddy=True)
    assert set(selectors.events_for_student(incoming)) == {everyone, incoming_only}
    assert set(selectors.events_for_student(buddy)) == {everyone, buddies_only}
    with pytest.raises(services.EventClosed, match="not open to you"):
        services.register_for_event(buddies_only.pk, incoming)
    assert not EventRegistration.objects.exists()


def test_an_event_under_way_is_still_listed_but_closed(make_event):
    event = make_event(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=2)
    )
    student = ProfileFactory()
    assert list(selectors.events_for_student(student)) == [event]
    with pytest.raises(services.EventClosed, match="already started"):
        services.register_for_event(event.pk, student)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"email_verified_at": None}, "Verify your email"),
        ({"status": Profile.Status.WITHDRAWN}, "taking part"),
    ],
)
def test_unverified_or_withdrawn_students_cannot_register(changes, reason, make_event):
    event = make_event()
    student = ProfileFactory(**changes)
    with pytest.raises(services.EventClosed, match=reason):
        services.register_for_event(event.pk, student)


def test_the_attendee_export_lists_places_then_the_waiting_list_and_is_audited(
    coordinator_user, make_event
):
    from core.models import AuditEvent

    event = make_event(capacity=1)
    ana = ProfileFactory(user__first_name="=HYPERLINK(1)", user__last_name="Ana")
    ben = ProfileFactory(buddy=True, user__first_name="Ben", user__last_name="Martin")
    services.register_for_event(event.pk, ana)
    services.register_for_event(event.pk, ben)
    lines = services.export_attendees(event, coordinator_user).splitlines()
    assert lines[0] == "name,email,role,status,registered at"
    assert lines[1].startswith(f"'=HYPERLINK(1) Ana,{ana.user.email},incoming,registered,20")
    assert lines[2].startswith(f"Ben Martin,{ben.user.email},buddy,waiting,")
    audit = AuditEvent.objects.get(action="event_attendees_exported")
    assert audit.actor == coordinator_user
    assert audit.details == {"event": event.pk, "rows": 2}


def test_an_erased_students_place_goes_to_the_waiting_list(make_event):
    from core.services import erase_student

    event = make_event(capacity=1)
    ana, ben = ProfileFactory(), ProfileFactory()
    services.register_for_event(event.pk, ana)
    services.register_for_event(event.pk, ben)
    erase_student(ana.user, action="account_deleted")
    assert statuses(event) == {ben.pk: "registered"}
    event.delete()  # deleting an event with registrations promotes nobody, and does not fail
    assert not EventRegistration.objects.exists()
