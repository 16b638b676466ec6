from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Section people"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from core import emails  # noqa: F401 - registers the portal's and accounts' emails
        from core.navigation import STUDENT, NavItem, register

        register(NavItem(_("My account"), "core:account", STUDENT, order=10))
