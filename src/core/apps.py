from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Section people"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from core import audit
        from core.navigation import COORDINATOR, STUDENT, NavItem, register
        from core.workspace import services as workspace

        register(
            NavItem(_("My account"), "core:account", STUDENT, order=10),
            NavItem(_("Dashboard"), "workspace:dashboard", COORDINATOR, order=10),
            NavItem(_("Students"), "workspace:students", COORDINATOR, order=20),
            NavItem(_("Settings"), "workspace:settings", COORDINATOR, order=80),
            NavItem(_("Team"), "workspace:team", COORDINATOR, order=85),
            NavItem(_("Audit log"), "workspace:audit_log", COORDINATOR, order=90),
        )
        audit.register(
            {
                workspace.NOTE_ADDED: _("Note added"),
                workspace.PROFILE_DEACTIVATED: _("Profile deactivated"),
                workspace.PROFILE_REACTIVATED: _("Profile reactivated"),
                workspace.SETTINGS_CHANGED: _("Settings changed"),
                workspace.COORDINATOR_INVITED: _("Coordinator invited"),
                workspace.COORDINATOR_DEACTIVATED: _("Coordinator deactivated"),
            }
        )
