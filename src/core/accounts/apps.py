from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """User accounts; installed in the public schema (platform admins) and in every section."""

    name = "core.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from core.accounts import emails  # noqa: F401 - registers the accounts' emails
