"""Reads of the public schema: which section a host is, which sections are listed."""

from itertools import groupby

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django_tenants.utils import get_public_schema_name, schema_context

from config.health import cache_call
from tenants.models import Domain, Section

HOST_CACHE_SECONDS = 300
UNKNOWN_HOST_CACHE_SECONDS = 60
_UNKNOWN = "unknown"


def _host_key(hostname: str) -> str:
    return f"section-for-host:{hostname}"


def section_for_host(hostname: str) -> Section | None:
    """The section served at `hostname` (active or not), cached; None when there is none.

    Looked up on every request, so cached; saving a section or domain clears its entries.
    While the cache is down (config.health.cache_call), read from the database every time.
    """
    with schema_context(get_public_schema_name()):
        key = _host_key(hostname)
        cached = cache_call(lambda: cache.get(key), lambda: None)
        if cached == _UNKNOWN:
            return None
        if cached is not None:
            return cached
        domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
        section = None if domain is None else domain.tenant
        if section is None:
            cache_call(lambda: cache.set(key, _UNKNOWN, UNKNOWN_HOST_CACHE_SECONDS), lambda: None)
        else:
            cache_call(lambda: cache.set(key, section, HOST_CACHE_SECONDS), lambda: None)
        return section


def current_section() -> Section:
    """The section whose schema the connection is in (in a request, a task or a shell)."""
    if isinstance(connection.tenant, Section):
        return connection.tenant
    return Section.objects.get(schema_name=connection.schema_name)


def forget_hosts(hostnames: list[str]) -> None:
    """Drop cached host lookups once the change that made them stale is committed.

    While the cache is down the entries stay: Redis may come back with them, stale for at most
    HOST_CACHE_SECONDS.
    """
    keys = [_host_key(hostname) for hostname in hostnames]

    def forget() -> None:
        with schema_context(get_public_schema_name()):
            cache_call(lambda: cache.delete_many(keys), lambda: None)

    transaction.on_commit(forget)


def _section_changed(sender, instance: Section, **kwargs) -> None:
    forget_hosts([instance.host, *instance.domains.values_list("domain", flat=True)])


def _domain_changed(sender, instance: Domain, **kwargs) -> None:
    forget_hosts([instance.domain])


def connect_cache_invalidation() -> None:
    for signal in (post_save, post_delete):
        signal.connect(_section_changed, sender=Section, dispatch_uid=f"section-{signal}")
        signal.connect(_domain_changed, sender=Domain, dispatch_uid=f"domain-{signal}")


def active_sections() -> QuerySet[Section]:
    """The sections open to students: the public directory's."""
    return Section.objects.filter(is_active=True).exclude(schema_name=get_public_schema_name())


def active_sections_by_country() -> list[tuple[str, list[Section]]]:
    """Active sections grouped by country name, countries and sections in alphabetical order."""
    by_name = sorted(active_sections(), key=lambda section: (section.country.name, section.name))
    return [
        (country, list(group)) for country, group in groupby(by_name, key=lambda s: s.country.name)
    ]
