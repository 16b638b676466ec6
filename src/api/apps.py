from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API v1 of both hosts: its tokens and idempotency keys live in each section."""

    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from api import schema, tokens  # noqa: F401 - schema registers the token's scheme
        from core import audit
        from core.navigation import COORDINATOR, NavItem, register

        register(NavItem(_("API tokens"), "api_tokens:list", COORDINATOR, order=88))
        audit.register(
            {
                tokens.TOKEN_CREATED: _("API token created"),
                tokens.TOKEN_REVOKED: _("API token revoked"),
            }
        )
