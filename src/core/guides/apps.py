from django.apps import AppConfig


class GuidesConfig(AppConfig):
    """Pages coordinators write for buddies and incoming students."""

    name = "core.guides"
    label = "guides"
    verbose_name = "Guides"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from core.navigation import COORDINATOR, STUDENT, NavItem, register

        register(
            NavItem(_("Guides"), "guides:manage", COORDINATOR, order=50),
            NavItem(_("Guides"), "guides:list", STUDENT, order=50),
        )
