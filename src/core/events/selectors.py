"""Reads of events and messages: who sees which event, attendees, recipients, progress."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core.events import segments
from core.events.mail import fill, language_for
from core.events.models import (
    Audience,
    Event,
    EventRegistration,
    Message,
    MessageDelivery,
    MessagePreference,
)
from core.models import Profile
from tenants.selectors import current_section

REGISTERED = EventRegistration.Status.REGISTERED
WAITING = EventRegistration.Status.WAITING


def audiences_of(profile: Profile) -> list[str]:
    role_audience = Audience.INCOMING if profile.is_incoming else Audience.BUDDIES
    return [Audience.EVERYONE, role_audience]


def with_counts(events: QuerySet[Event]) -> QuerySet[Event]:
    return events.annotate(
        registered_count=Count("registrations", filter=Q(registrations__status=REGISTERED)),
        waiting_count=Count("registrations", filter=Q(registrations__status=WAITING)),
    )


def events_for_student(profile: Profile) -> QuerySet[Event]:
    """Published events still to come that are meant for the student's role."""
    return Event.objects.filter(published=True, audience__in=audiences_of(profile)).not_over(
        timezone.now()
    )


def calendar_events() -> QuerySet[Event]:
    """What the section's iCalendar feed lists: its published events still to come."""
    return Event.objects.filter(published=True).not_over(timezone.now()).order_by("starts_at", "pk")


@dataclass(frozen=True)
class StudentEvent:
    event: Event
    registration: EventRegistration | None
    places_left: int
    waiting_position: int | None

    @property
    def status(self) -> str | None:
        return self.registration.status if self.registration else None


def student_event_list(profile: Profile, event_id: int | None = None) -> list[StudentEvent]:
    """The student's upcoming events with their own registration, in a fixed number of queries
    (only event `event_id` when given: none when the student may not see it)."""
    events = with_counts(events_for_student(profile)).order_by("starts_at", "pk")
    if event_id is not None:
        events = events.filter(pk=event_id)
    events = list(events)
    own = {
        registration.event_id: registration
        for registration in EventRegistration.objects.filter(
            profile=profile, event__in=[event.pk for event in events]
        )
    }
    waiting_ahead = _waiting_positions([r for r in own.values() if r.status == WAITING])
    return [
        StudentEvent(
            event=event,
            registration=own.get(event.pk),
            places_left=max(event.capacity - event.registered_count, 0),
            waiting_position=waiting_ahead.get(event.pk),
        )
        for event in events
    ]


def _waiting_positions(registrations: list[EventRegistration]) -> dict[int, int]:
    positions = {}
    for registration in registrations:
        ahead = EventRegistration.objects.filter(
            event_id=registration.event_id, status=WAITING
        ).filter(
            Q(created_at__lt=registration.created_at)
            | Q(created_at=registration.created_at, pk__lt=registration.pk)
        )
        positions[registration.event_id] = ahead.count() + 1
    return positions


PAST_EVENTS_SHOWN = 50


def coordinator_events() -> tuple[list[Event], list[Event]]:
    """The events to come (soonest first) and the latest past ones (latest first)."""
    now = timezone.now()
    events = with_counts(Event.objects.all())
    coming = events.not_over(now)
    past = events.exclude(pk__in=coming.values("pk")).order_by("-starts_at", "-pk")
    return list(coming.order_by("starts_at", "pk")), list(past[:PAST_EVENTS_SHOWN])


def attendees(event: Event) -> QuerySet[EventRegistration]:
    """Registered students, then the waiting list in its order."""
    return (
        event.registrations.filter(status__in=[REGISTERED, WAITING])
        .select_related("profile__user")
        .order_by("status", "created_at", "pk")  # "registered" sorts before "waiting"
    )


def registered_count(event: Event) -> int:
    return event.registrations.filter(status=REGISTERED).count()


def is_unsubscribed(profile: Profile) -> bool:
    return MessagePreference.objects.filter(profile=profile, unsubscribed_at__isnull=False).exists()


def unsubscribed_filter():
    """An expression true for profiles that unsubscribed from non-essential messages."""
    return Exists(
        MessagePreference.objects.filter(profile=OuterRef("pk"), unsubscribed_at__isnull=False)
    )


@dataclass(frozen=True)
class RecipientCount:
    """How many students a message would reach."""

    segment_size: int
    unsubscribed: int

    @property
    def deliverable(self) -> int:
        return self.segment_size - self.unsubscribed


def count_recipients(segment: str, parameter: str, essential: bool) -> RecipientCount:
    """Raises segments.SegmentError for an unknown segment or a bad parameter."""
    students = segments.recipients(segment, parameter)
    figures = students.aggregate(
        size=Count("pk"), unsubscribed=Count("pk", filter=unsubscribed_filter())
    )
    return RecipientCount(figures["size"], 0 if essential else figures["unsubscribed"])


def messages() -> QuerySet[Message]:
    return Message.objects.select_related("created_by")


def deliveries(message: Message, status: str | None = None) -> QuerySet[MessageDelivery]:
    rows = message.deliveries.select_related("profile__user").order_by("pk")
    if status:
        rows = rows.filter(status=status)
    return rows


def personal_data_events(profile: Profile) -> list[dict]:
    return [
        {"event": r.event.title, "starts_at": r.event.starts_at.isoformat(), "status": r.status}
        for r in EventRegistration.objects.filter(profile=profile).select_related("event")
    ]


def personal_data_unsubscribed(profile: Profile) -> str | None:
    preference = MessagePreference.objects.filter(profile=profile).first()
    return (
        preference.unsubscribed_at.isoformat()
        if preference and preference.unsubscribed_at
        else None
    )


def personal_data_messages(profile: Profile) -> list[dict]:
    """The coordinators' messages to the student: the subject they got, when, what became of it."""
    deliveries = (
        MessageDelivery.objects.filter(profile=profile).select_related("message").order_by("pk")
    )
    section = current_section()
    result = []
    for delivery in deliveries:
        message = delivery.message
        language = language_for(message, profile, section)
        result.append(
            {
                "subject": fill(getattr(message, f"subject_{language}", ""), profile, section),
                "language": language,
                "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
                "status": delivery.status,
            }
        )
    return result


def delivery_ids(profile: Profile) -> list[int]:
    """The student's deliveries: outbox rows `{"delivery": id}` are emails to them."""
    return list(MessageDelivery.objects.filter(profile=profile).values_list("pk", flat=True))


def registration_ids(profile: Profile) -> list[int]:
    """The student's event registrations: outbox rows `{"registration": id}` are theirs."""
    return list(EventRegistration.objects.filter(profile=profile).values_list("pk", flat=True))
