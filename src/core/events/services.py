"""Writes of events and messages: registrations with their waiting list, and sending.

Registrations lock the event's row: concurrent registrations for one event take turns, so
an event is never overbooked and the waiting list keeps its order. Sending a message writes
one outbox email per recipient (core.outbox), in the transaction that freezes the recipients:
each student gets it once, and the message is sent when the last delivery is done.
"""

import csv
import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.accounts.models import User
from core.events import segments, selectors
from core.events.emails import EVENT_PLACE_EMAIL, MESSAGE_EMAIL
from core.events.models import (
    Event,
    EventRegistration,
    Message,
    MessageDelivery,
    MessagePreference,
)
from core.models import Profile
from core.outbox.services import send_email, send_emails

REGISTERED = EventRegistration.Status.REGISTERED
WAITING = EventRegistration.Status.WAITING
CANCELLED = EventRegistration.Status.CANCELLED
PENDING = MessageDelivery.Status.PENDING

ATTENDEES_EXPORTED = "event_attendees_exported"
MESSAGE_SENT = "message_sent"


class EventClosed(Exception):
    """The student cannot register for (or cancel at) this event; str() says why."""


class CapacityBelowRegistrations(Exception):
    def __init__(self, registered: int) -> None:
        super().__init__(registered)
        self.registered = registered


class NobodyToMessage(Exception):
    """The segment has no student the message could go to."""


class AlreadySent(Exception):
    """The message left its draft state already."""


# --- events ---------------------------------------------------------------------------


def create_event(user: User | None, fields: dict) -> Event:
    return Event.objects.create(created_by=user, **fields)


def update_event(event_id: int, fields: dict) -> Event:
    """Change an event; more places move waiting students up, fewer than taken is refused."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event_id)
        taken = selectors.registered_count(event)
        if fields.get("capacity", event.capacity) < taken:
            raise CapacityBelowRegistrations(taken)
        for name, value in fields.items():
            setattr(event, name, value)
        event.save()
        _promote_waiting(event)
    return event


def _check_open(event: Event, profile: Profile) -> None:
    if profile.status != Profile.Status.ACTIVE:
        raise EventClosed(_("Only students taking part in the programme can register."))
    if not profile.is_verified:
        raise EventClosed(_("Verify your email address before registering for events."))
    if not event.published or event.audience not in selectors.audiences_of(profile):
        raise EventClosed(_("This event is not open to you."))
    if event.starts_at <= timezone.now():
        raise EventClosed(_("This event has already started."))


def register_for_event(event_id: int, profile: Profile) -> EventRegistration:
    """A place if one is free, else a place at the end of the waiting list. Idempotent."""
    with transaction.atomic():
        event = Event.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            raise EventClosed(_("This event does not exist."))
        _check_open(event, profile)
        registration = EventRegistration.objects.filter(event=event, profile=profile).first()
        if registration is not None and registration.status in (REGISTERED, WAITING):
            return registration
        status = REGISTERED if selectors.registered_count(event) < event.capacity else WAITING
        if registration is None:
            registration = EventRegistration(event=event, profile=profile)
        registration.status = status
        registration.created_at = timezone.now()  # joins the end of the queue
        registration.promoted_at = registration.promotion_emailed_at = None
        registration.save()
    return registration


def cancel_registration(event_id: int, profile: Profile) -> EventRegistration | None:
    """Give up a place (the first waiting student gets it) or leave the waiting list."""
    with transaction.atomic():
        event = Event.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            return None
        registration = EventRegistration.objects.filter(event=event, profile=profile).first()
        if registration is None or registration.status == CANCELLED:
            return registration
        if event.starts_at <= timezone.now():
            raise EventClosed(_("This event has already started."))
        registration.status = CANCELLED
        registration.save(update_fields=["status"])
        _promote_waiting(event)
    return registration


def promote_waiting(event_id: int) -> None:
    """Fill an event's free places from its waiting list (after a student's account is erased)."""
    with transaction.atomic():
        event = Event.objects.select_for_update().filter(pk=event_id).first()
        if event is not None and event.starts_at > timezone.now():
            _promote_waiting(event)


def _promote_waiting(event: Event) -> list[EventRegistration]:
    """Give the free places to the first waiting students (the event row is locked)."""
    free = event.capacity - selectors.registered_count(event)
    if free <= 0:
        return []
    promoted = list(event.registrations.filter(status=WAITING).order_by("created_at", "pk")[:free])
    now = timezone.now()
    for registration in promoted:
        registration.status = REGISTERED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at"])
        if event.starts_at > now:
            send_email(
                f"event-place:{registration.pk}:{now.timestamp()}",
                EVENT_PLACE_EMAIL,
                registration=registration.pk,
            )
    return promoted


ATTENDEE_COLUMNS = ("name", "email", "role", "status", "registered at")


def _cell(value: str) -> str:
    """Keep spreadsheets from running a cell as a formula (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_attendees(event: Event, user: User) -> str:
    """The attendee list as CSV text; the export is in the audit log."""
    rows = list(selectors.attendees(event))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ATTENDEE_COLUMNS)
    for registration in rows:
        profile = registration.profile
        writer.writerow(
            [
                _cell(profile.user.get_full_name()),
                _cell(profile.user.email),
                profile.role,
                registration.status,
                f"{timezone.localtime(registration.created_at):%Y-%m-%d %H:%M}",
            ]
        )
    audit.record(ATTENDEES_EXPORTED, user, event=event.pk, rows=len(rows))
    return out.getvalue()


# --- messages -------------------------------------------------------------------------


def save_message(user: User | None, fields: dict, message: Message | None = None) -> Message:
    """Create or change a draft; only drafts can change."""
    with transaction.atomic():
        if message is None:
            message = Message(created_by=user)
        else:
            message = Message.objects.select_for_update().get(pk=message.pk)
            if message.status != Message.Status.DRAFT:
                raise AlreadySent
        for name, value in fields.items():
            setattr(message, name, value)
        message.save()
    return message


def send_message(message_id: int, user: User | None) -> Message:
    """Freeze the recipients and queue the sending. Raises NobodyToMessage, AlreadySent,
    segments.SegmentError (the segment's event was deleted, say)."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status != Message.Status.DRAFT:
            raise AlreadySent
        students = segments.recipients(message.segment, message.parameter)
        rows = list(
            students.annotate(unsubscribed=selectors.unsubscribed_filter())
            .order_by("pk")
            .values_list("pk", "unsubscribed")
        )
        skip = set() if message.essential else {pk for pk, unsubscribed in rows if unsubscribed}
        recipients = len(rows) - len(skip)
        if not recipients:
            raise NobodyToMessage
        deliveries = MessageDelivery.objects.bulk_create(
            [
                MessageDelivery(
                    message=message,
                    profile_id=pk,
                    status=MessageDelivery.Status.SKIPPED if pk in skip else PENDING,
                )
                for pk, _unsubscribed in rows
            ],
            batch_size=1000,
        )
        message.status = Message.Status.SENDING
        message.queued_at = timezone.now()
        message.recipients_count = len(rows)
        message.skipped_count = len(skip)
        message.save()
        audit.record(MESSAGE_SENT, user, message=message.pk, recipients=recipients)
        send_emails(
            (f"message:{message.pk}:{d.profile_id}", MESSAGE_EMAIL, {"delivery": d.pk})
            for d in deliveries
            if d.status == PENDING
        )
    return message


def unsubscribe(profile: Profile) -> None:
    """No more non-essential messages for this student (the first time is kept)."""
    MessagePreference.objects.get_or_create(profile=profile)
    MessagePreference.objects.filter(profile=profile, unsubscribed_at__isnull=True).update(
        unsubscribed_at=timezone.now()
    )


def resubscribe(profile: Profile) -> None:
    MessagePreference.objects.filter(profile=profile).update(unsubscribed_at=None)
