from django.apps import AppConfig


class GuidesConfig(AppConfig):
    """Pages coordinators write for buddies and incoming students."""

    name = "core.guides"
    label = "guides"
    verbose_name = "Guides"
