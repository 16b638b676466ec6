from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Sections"

    def ready(self) -> None:
        from tenants import selectors

        selectors.connect_cache_invalidation()
