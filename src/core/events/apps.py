from django.apps import AppConfig
from django.db.models.signals import post_delete


class EventsConfig(AppConfig):
    """Buddy events and the messages coordinators send to groups of students."""

    name = "core.events"
    label = "events"
    verbose_name = "Events and messages"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from core import audit, hooks
        from core.events import emails, selectors  # noqa: F401 - emails registers its kinds
        from core.navigation import COORDINATOR, STUDENT, NavItem, register

        register(
            NavItem(_("Events"), "events:coordinator_events", COORDINATOR, order=40),
            NavItem(_("Messages"), "events:messages", COORDINATOR, order=45),
            NavItem(_("Events"), "events:student_events", STUDENT, order=20),
        )
        post_delete.connect(
            _place_freed, sender="events.EventRegistration", dispatch_uid="events-place-freed"
        )
        hooks.register_personal_data(
            hooks.PersonalDataSection("events", selectors.personal_data_events),
            hooks.PersonalDataSection(
                "unsubscribed_from_messages_at", selectors.personal_data_unsubscribed
            ),
            hooks.PersonalDataSection("messages", selectors.personal_data_messages),
        )
        hooks.register_outbox_reference(
            hooks.OutboxReference("delivery", selectors.delivery_ids),
            hooks.OutboxReference("registration", selectors.registration_ids),
        )
        audit.register(
            {
                "event_attendees_exported": _("Event attendee list exported"),
                "message_sent": _("Message sent to students"),
            }
        )


def _place_freed(sender, instance, **kwargs) -> None:
    """A registered student's account was erased: their place goes to the waiting list."""
    if instance.status == "registered":
        from core.events import services

        services.promote_waiting(instance.event_id)
