"""Writes of events and messages: registrations with their waiting list, and sending.

Registrations lock the event's row: concurrent registrations for one event take turns, so
an event is never overbooked and the waiting list keeps its order. A message's deliveries
are claimed one by one, sent and marked in the same transaction: each student gets it once.
"""

import csv
import io
from smtplib import SMTPRecipientsRefused

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import enqueue_on_commit
from core import audit
from core.accounts.models import User
from core.events import mail, segments, selectors
from core.events.models import (
    Event,
    EventRegistration,
    Message,
    MessageDelivery,
    MessagePreference,
)
from core.models import Profile
from core.notifications import section_link, send_templated_email
from tenants.selectors import current_section

REGISTERED = EventRegistration.Status.REGISTERED
WAITING = EventRegistration.Status.WAITING
CANCELLED = EventRegistration.Status.CANCELLED
PENDING = MessageDelivery.Status.PENDING
BATCH_SIZE = 100

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
            from core.events.tasks import send_event_place_email  # tasks import this module

            enqueue_on_commit(send_event_place_email, registration.pk)
    return promoted


def send_event_place_email(registration_id: int) -> None:
    """Tell a student moved up from the waiting list that they have a place, once."""
    with transaction.atomic():
        registration = (
            EventRegistration.objects.select_for_update(of=("self",))
            .select_related("event", "profile__user")
            .filter(
                pk=registration_id,
                status=REGISTERED,
                promoted_at__isnull=False,
                promotion_emailed_at__isnull=True,
            )
            .first()
        )
        if registration is None:
            return
        section = current_section()
        send_templated_email(
            to=registration.profile.user.email,
            template="events/email/event_place",
            context={
                "student": registration.profile,
                "event": registration.event,
                "link": section_link(section, "events:student_events"),
            },
            language=registration.profile.language,
            section=section,
        )
        registration.promotion_emailed_at = timezone.now()
        registration.save(update_fields=["promotion_emailed_at"])


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
        MessageDelivery.objects.bulk_create(
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
        from core.events.tasks import send_message as send_task  # tasks import this module

        enqueue_on_commit(send_task, message.pk)
    return message


def deliver_message(message_id: int) -> None:
    """Send a queued message's pending deliveries in batches, updating the counts as it goes.

    Safe to run twice or side by side: a delivery is claimed (row lock, skipping rows another
    worker holds), sent and marked in one transaction. A mail server error rolls back only the
    delivery in hand and propagates, for the task to retry later.
    """
    message = Message.objects.filter(pk=message_id, status=Message.Status.SENDING).first()
    if message is None:
        return
    section = current_section()
    after = 0
    while True:
        batch = list(
            MessageDelivery.objects.filter(message=message, status=PENDING, pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not batch:
            break
        with get_connection() as connection:
            for delivery_id in batch:
                _deliver_one(delivery_id, message, section, connection)
        after = batch[-1]
        refresh_counts(message.pk)
    finish_message(message.pk)


def _deliver_one(delivery_id: int, message: Message, section, connection) -> None:
    with transaction.atomic():
        delivery = (
            MessageDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("profile__user")
            .filter(pk=delivery_id, status=PENDING)
            .first()
        )
        if delivery is None:
            return  # sent already, or being sent by another worker right now
        profile = delivery.profile
        gone = profile.status != Profile.Status.ACTIVE or not profile.is_verified
        if gone or (not message.essential and selectors.is_unsubscribed(profile)):
            delivery.status = MessageDelivery.Status.SKIPPED
            delivery.save(update_fields=["status"])
            return
        try:
            mail.send(message, profile, section, connection)
        except SMTPRecipientsRefused as error:
            delivery.status = MessageDelivery.Status.FAILED
            delivery.error = str(error)[:300]
            delivery.save(update_fields=["status", "error"])
            return
        delivery.status = MessageDelivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.save(update_fields=["status", "sent_at"])


def refresh_counts(message_id: int) -> None:
    by_status = dict(
        MessageDelivery.objects.filter(message_id=message_id)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    Message.objects.filter(pk=message_id).update(
        recipients_count=sum(by_status.values()),
        sent_count=by_status.get(MessageDelivery.Status.SENT, 0),
        failed_count=by_status.get(MessageDelivery.Status.FAILED, 0),
        skipped_count=by_status.get(MessageDelivery.Status.SKIPPED, 0),
    )


def finish_message(message_id: int) -> None:
    """Mark the message sent once no delivery is pending."""
    refresh_counts(message_id)
    pending = MessageDelivery.objects.filter(message=OuterRef("pk"), status=PENDING)
    Message.objects.filter(pk=message_id, status=Message.Status.SENDING).exclude(
        Exists(pending)
    ).update(status=Message.Status.SENT, finished_at=timezone.now())


def give_up_message(message_id: int, error: str) -> None:
    """The mail server kept failing: what is still pending failed."""
    MessageDelivery.objects.filter(message_id=message_id, status=PENDING).update(
        status=MessageDelivery.Status.FAILED, error=error[:300]
    )
    finish_message(message_id)


def unsubscribe(profile: Profile) -> None:
    """No more non-essential messages for this student (the first time is kept)."""
    MessagePreference.objects.get_or_create(profile=profile)
    MessagePreference.objects.filter(profile=profile, unsubscribed_at__isnull=True).update(
        unsubscribed_at=timezone.now()
    )


def resubscribe(profile: Profile) -> None:
    MessagePreference.objects.filter(profile=profile).update(unsubscribed_at=None)
