from django.apps import AppConfig


class NetworkConfig(AppConfig):
    """The network's admins (European and national) on the root domain: their roles, sections
    joining, section lifecycle, support access and statistics across sections."""

    name = "network"
    verbose_name = "Network"

    def ready(self) -> None:
        from core import audit, permissions
        from network import emails, support

        emails.register_kinds()
        permissions.register_support_access(support.access_for_request)
        audit.register(support.AUDIT_LABELS)
