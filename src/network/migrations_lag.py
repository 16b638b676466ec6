"""Which sections lag behind the latest migration: the tenant apps' migrations on disk
compared with each section schema's django_migrations table (after a `migrate_schemas` that
failed half-way, or a schema restored from an old backup)."""

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from psycopg import sql

from tenants.models import Section


@dataclass(frozen=True)
class Lag:
    section: Section
    missing: tuple[str, ...]  # "app.migration", in name order


def tenant_migrations() -> set[tuple[str, str]]:
    labels = {c.label for c in apps.get_app_configs() if c.name in settings.TENANT_APPS}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {key for key in loader.disk_migrations if key[0] in labels}


def lagging_sections() -> tuple[int, list[Lag]]:
    """How many sections were checked, and those missing any migration."""
    expected = tenant_migrations()
    sections = list(Section.objects.exclude(schema_name="public").order_by("schema_name"))
    lags = []
    with connection.cursor() as cursor:
        for section in sections:
            cursor.execute(
                sql.SQL("SELECT app, name FROM {}.django_migrations").format(
                    sql.Identifier(section.schema_name)
                )
            )
            missing = expected - set(cursor.fetchall())
            if missing:
                lags.append(Lag(section, tuple(f"{a}.{n}" for a, n in sorted(missing))))
    return len(sections), lags
