from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """CSV export of students and pairs, and import of incoming students."""

    name = "core.exchange"
    label = "exchange"
    verbose_name = "Import and export"
