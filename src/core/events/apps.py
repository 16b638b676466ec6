from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Buddy events and the messages coordinators send to groups of students."""

    name = "core.events"
    label = "events"
    verbose_name = "Events and messages"
