from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo sections and students for `make run` (the seed_demo command; no models)."""

    name = "demo"
    verbose_name = "Demo data"
