from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """Outgoing email and after-commit tasks: one table per section, one relay."""

    name = "core.outbox"
    label = "outbox"
    verbose_name = "Outbox"
