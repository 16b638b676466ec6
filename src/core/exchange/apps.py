from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """CSV export of students and pairs, and import of incoming students."""

    name = "core.exchange"
    label = "exchange"
    verbose_name = "Import and export"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from core import audit
        from core.navigation import COORDINATOR, NavItem, register

        register(NavItem(_("Import and export"), "exchange:export", COORDINATOR, order=60))
        audit.register(
            {
                "csv_exported": _("Data exported as CSV"),
                "students_imported": _("Incoming students imported from CSV"),
            }
        )
