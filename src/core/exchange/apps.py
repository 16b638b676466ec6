from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Import of incoming students from the international office's list (roster imports)."""

    name = "core.exchange"
    label = "exchange"
    verbose_name = "Import and export"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from core import audit
        from core.exchange import emails  # noqa: F401 - registers the invitation email

        audit.register(
            {
                "students_imported": _("Incoming students imported from CSV"),
            }
        )
