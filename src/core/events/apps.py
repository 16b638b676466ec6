from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Buddy events and the messages coordinators send to groups of students."""

    name = "core.events"
    label = "events"
    verbose_name = "Events and messages"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from core import audit
        from core.navigation import COORDINATOR, STUDENT, NavItem, register

        register(
            NavItem(_("Events"), "events:coordinator_events", COORDINATOR, order=40),
            NavItem(_("Messages"), "events:messages", COORDINATOR, order=45),
            NavItem(_("Events"), "events:student_events", STUDENT, order=20),
        )
        audit.register(
            {
                "event_attendees_exported": _("Event attendee list exported"),
                "message_sent": _("Message sent to students"),
            }
        )
