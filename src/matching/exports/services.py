"""Writes of the exports: each one is in the audit log."""

from core import audit
from core.accounts.models import User
from matching.exports import selectors
from matching.exports.selectors import Export

EXPORTED = "csv_exported"


def record_export(actor: User, *, kind: str, columns: list[str], rows: int, **filters) -> None:
    """Every export is in the audit log: what, which columns, how many rows; no names."""
    audit.record(EXPORTED, actor, kind=kind, columns=columns, rows=rows, filters=filters)


def export_students(actor: User, *, columns: list[str], role: str = "", status: str = "") -> Export:
    """The students' rows with the chosen columns, and the export's audit line."""
    queryset = selectors.students_for_export(role=role, status=status)
    data = selectors.export(queryset, selectors.STUDENT_COLUMNS, columns)
    record_export(
        actor, kind="students", columns=columns, rows=data.count, role=role, status=status
    )
    return data


def export_pairs(actor: User, *, columns: list[str], state: str = "") -> Export:
    """The pairs' rows with the chosen columns, and the export's audit line."""
    queryset = selectors.pairs_for_export(state=state)
    data = selectors.export(queryset, selectors.PAIR_COLUMNS, columns)
    record_export(actor, kind="pairs", columns=columns, rows=data.count, state=state)
    return data
