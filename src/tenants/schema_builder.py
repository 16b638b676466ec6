"""Build a new section's schema, identical to what the migrations produce, fast.

Migrating an empty schema runs the whole migration machinery (graph loading, state
rendering, introspection) for every new section. Instead, the first section at a given
migration state is migrated as usual while the SQL that changed the database is recorded;
every later section gets that SQL replayed in one round trip. Django's DDL is unqualified,
so the same statements build the same tables, indexes and constraint names in whichever
schema is first on the search path. django-tenants' own clone renames constraints, which
breaks later migrations; this does not (tests/tenants/test_schema_builder.py compares the
catalogs).
"""

import hashlib
import importlib
import re
from functools import cache

import django
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_context

from tenants.models import SchemaRecording

# Statements that read or steer the session; everything else changed the schema.
NOT_RECORDED = ("SELECT", "SHOW", "SET SEARCH_PATH", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")


@cache
def migration_state() -> str:
    """A fingerprint of everything that decides what migrating a section schema does."""
    tenant_labels = sorted(
        config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS
    )
    digest = hashlib.sha256(f"{django.get_version()}|{','.join(tenant_labels)}".encode())
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for app_label, name in sorted(loader.disk_migrations):
        if app_label in tenant_labels:
            module = importlib.import_module(loader.disk_migrations[app_label, name].__module__)
            digest.update(f"|{app_label}.{name}|".encode())
            with open(module.__file__, "rb") as source:
                digest.update(source.read())
    return digest.hexdigest()


def build_section_schema(schema_name: str) -> None:
    """Create and fill the schema: replay the recording, or migrate and record.

    Runs inside the caller's transaction, so a failure leaves no schema behind.
    """
    recording = SchemaRecording.objects.filter(migration_state=migration_state()).first()
    if recording is not None:
        replay_schema(schema_name, recording.sql)
        return
    statements = migrate_section_schema(schema_name)
    sql = ";\n".join(statements)
    # Schema names never appear in Django's DDL; if this one does, the SQL is not reusable.
    if not re.search(rf"\b{re.escape(schema_name)}\b", sql):
        SchemaRecording.objects.exclude(migration_state=migration_state()).delete()
        SchemaRecording.objects.bulk_create(
            [
                SchemaRecording(
                    migration_state=migration_state(), sql=sql, statement_count=len(statements)
                )
            ],
            ignore_conflicts=True,
        )


def replay_schema(schema_name: str, sql: str) -> None:
    _create_schema(schema_name)
    with schema_context(schema_name), connection.cursor() as cursor:
        cursor.execute(sql)


def migrate_section_schema(schema_name: str) -> list[str]:
    """Create the schema and migrate it as django-tenants does; return the SQL that wrote.

    Parameters are rendered into the statements so that they can be replayed as one script.
    """
    _create_schema(schema_name)
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not sql.lstrip().upper().startswith(NOT_RECORDED):
            param_sets = params if many else [params]
            statements.extend(_render(sql, param_set) for param_set in param_sets)
        return result

    with connection.execute_wrapper(record):
        call_command(
            "migrate_schemas",
            tenant=True,
            schema_name=schema_name,
            executor="standard",
            interactive=False,
            verbosity=0,
        )
    connection.set_schema_to_public()
    return statements


def _render(sql: str, params) -> str:
    if params is None:
        return sql
    return connection.ops.compose_sql(sql, params)


def _create_schema(schema_name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {connection.ops.quote_name(schema_name)}")
