from django.apps import AppConfig


class CoordinatorConfig(AppConfig):
    """The coordinators' pages that combine a section's people and pairs (no models)."""

    name = "coordinator"
    verbose_name = "Coordinator pages"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from coordinator import services
        from core import audit
        from core import services as core_services
        from core.navigation import COORDINATOR, NavItem, register
        from matching.exports.services import EXPORTED

        register(
            NavItem(_("Dashboard"), "coordinator:dashboard", COORDINATOR, order=10),
            NavItem(_("Students"), "coordinator:students", COORDINATOR, order=20),
            NavItem(_("Import and export"), "coordinator:export", COORDINATOR, order=60),
            NavItem(_("Settings"), "coordinator:settings", COORDINATOR, order=80),
            NavItem(_("Team"), "coordinator:team", COORDINATOR, order=85),
            NavItem(_("Audit log"), "coordinator:audit_log", COORDINATOR, order=90),
        )
        audit.register(
            {
                core_services.NOTE_ADDED: _("Note added"),
                services.SETTINGS_CHANGED: _("Settings changed"),
                services.COORDINATOR_INVITED: _("Coordinator invited"),
                services.COORDINATOR_DEACTIVATED: _("Coordinator deactivated"),
                EXPORTED: _("Data exported as CSV"),
            }
        )
