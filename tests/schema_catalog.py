"""What a schema is made of, as PostgreSQL's catalog says, with its own name left out."""

from django.db import connection

QUERIES = {
    "tables": """
        SELECT table_name, table_type FROM information_schema.tables
        WHERE table_schema = %(schema)s ORDER BY 1""",
    "columns": """
        SELECT table_name, column_name, ordinal_position, data_type, is_nullable,
               column_default, character_maximum_length, is_identity, identity_generation
        FROM information_schema.columns WHERE table_schema = %(schema)s ORDER BY 1, 3""",
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = %(schema)s ORDER BY 1, 2""",
    "constraints": """
        SELECT rel.relname, con.conname, con.contype, pg_get_constraintdef(con.oid)
        FROM pg_constraint con
        JOIN pg_class rel ON rel.oid = con.conrelid
        JOIN pg_namespace ns ON ns.oid = rel.relnamespace
        WHERE ns.nspname = %(schema)s ORDER BY 1, 2""",
    "applied_migrations": 'SELECT app, name FROM "{schema}".django_migrations ORDER BY id',
    "content_types": 'SELECT id, app_label, model FROM "{schema}".django_content_type ORDER BY id',
    "permissions": """
        SELECT id, content_type_id, codename FROM "{schema}".auth_permission ORDER BY id""",
}


def schema_catalog(schema: str) -> dict[str, list[tuple]]:
    catalog = {}
    with connection.cursor() as cursor:
        for part, query in QUERIES.items():
            cursor.execute(query.replace("{schema}", schema), {"schema": schema})
            catalog[part] = [
                tuple(str(v).replace(f'"{schema}".', "").replace(f"{schema}.", "") for v in row)
                for row in cursor.fetchall()
            ]
    return catalog


def schema_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        return {row[0] for row in cursor.fetchall()}
