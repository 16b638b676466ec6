import logging

from django.db import connection


class SchemaFilter(logging.Filter):
    """Stamp every log record with the schema (section) it was written in."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.schema = getattr(connection, "schema_name", "-")
        return True
