"""Writes of the exports: each one is in the audit log."""

from core import audit
from core.accounts.models import User

EXPORTED = "csv_exported"


def record_export(actor: User, *, kind: str, columns: list[str], rows: int, **filters) -> None:
    """Every export is in the audit log: what, which columns, how many rows; no names."""
    audit.record(EXPORTED, actor, kind=kind, columns=columns, rows=rows, filters=filters)
