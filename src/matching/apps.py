from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from core.navigation import COORDINATOR, NavItem, register

        register(NavItem(_("Matching"), "matching:overview", COORDINATOR, order=30))
        from matching.followup import ready  # noqa: F401 - menu, audit words, tasks, signals
