"""The emails of events and messages, as kinds the outbox sends by name."""

from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.events import mail, selectors
from core.events.models import EventRegistration, Message, MessageDelivery
from core.models import Profile
from core.outbox.emails import Email, EmailKind, register, render_email, section_link
from tenants.selectors import current_section

EVENT_PLACE_EMAIL = "events.event_place"
MESSAGE_EMAIL = "events.message"

COUNTERS = {
    MessageDelivery.Status.SENT: "sent_count",
    MessageDelivery.Status.FAILED: "failed_count",
    MessageDelivery.Status.SKIPPED: "skipped_count",
}


def _promoted_registration(registration: int) -> EventRegistration | None:
    return (
        EventRegistration.objects.select_related("event", "profile__user")
        .filter(
            pk=registration,
            status=EventRegistration.Status.REGISTERED,
            promoted_at__isnull=False,
            promotion_emailed_at__isnull=True,
            event__starts_at__gt=timezone.now(),
        )
        .first()
    )


def _event_place(registration: int) -> Email | None:
    """A student moved up from the waiting list has a place (while they still have it)."""
    found = _promoted_registration(registration)
    if found is None:
        return None
    section = current_section()
    return render_email(
        to=found.profile.user.email,
        template="events/email/event_place",
        context={
            "first_name": found.profile.user.first_name,
            "event": found.event,
            "link": section_link(section, "events:student_events"),
        },
        language=found.profile.language,
        section=section,
    )


def _event_place_sent(registration: int) -> None:
    EventRegistration.objects.filter(pk=registration).update(promotion_emailed_at=timezone.now())


def _message(delivery: int) -> Email | None:
    """A coordinator's message to one student, unless they left or unsubscribed meanwhile."""
    found = (
        MessageDelivery.objects.select_related("message", "profile__user")
        .filter(pk=delivery, status=MessageDelivery.Status.PENDING)
        .first()
    )
    if found is None:
        return None
    profile, message = found.profile, found.message
    gone = profile.status != Profile.Status.ACTIVE or not profile.is_verified
    if gone or (not message.essential and selectors.is_unsubscribed(profile)):
        mark_delivery(found.pk, MessageDelivery.Status.SKIPPED)
        return None
    return mail.email_for(message, profile, current_section())


def _message_sent(delivery: int) -> None:
    mark_delivery(delivery, MessageDelivery.Status.SENT)


def _message_failed(delivery: int, error: str) -> None:
    mark_delivery(delivery, MessageDelivery.Status.FAILED, error)


def _message_retried(delivery: int) -> None:
    """A coordinator tries a failed delivery again: pending, and its message sending again."""
    found = MessageDelivery.objects.filter(
        pk=delivery, status=MessageDelivery.Status.FAILED
    ).first()
    if found is None:
        return
    MessageDelivery.objects.filter(pk=found.pk).update(
        status=MessageDelivery.Status.PENDING, error=""
    )
    Message.objects.filter(pk=found.message_id).update(
        failed_count=F("failed_count") - 1, status=Message.Status.SENDING, finished_at=None
    )


def mark_delivery(delivery: int, status: str, error: str = "") -> None:
    """Record a delivery's outcome, count it, and close the message once none is pending."""
    now = timezone.now()
    updated = MessageDelivery.objects.filter(
        pk=delivery, status=MessageDelivery.Status.PENDING
    ).update(
        status=status,
        sent_at=now if status == MessageDelivery.Status.SENT else None,
        error=error[:300],
    )
    if not updated:
        return
    message_id = MessageDelivery.objects.values_list("message_id", flat=True).get(pk=delivery)
    field = COUNTERS[status]
    Message.objects.filter(pk=message_id).update(**{field: F(field) + 1})
    pending = MessageDelivery.objects.filter(
        message=OuterRef("pk"), status=MessageDelivery.Status.PENDING
    )
    Message.objects.filter(pk=message_id, status=Message.Status.SENDING).exclude(
        Exists(pending)
    ).update(status=Message.Status.SENT, finished_at=now)


register(
    EmailKind(EVENT_PLACE_EMAIL, _("A place at an event"), _event_place, sent=_event_place_sent)
)
register(
    EmailKind(
        MESSAGE_EMAIL,
        _("Message to students"),
        _message,
        sent=_message_sent,
        failed=_message_failed,
        retried=_message_retried,
    )
)
