"""Reads of the roster import: the latest uploads."""

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from core.exchange.models import ImportBatch


def recent_batches(limit: int = 10) -> QuerySet[ImportBatch]:
    """The latest uploads, without their rows and problems (which can be large)."""
    return ImportBatch.objects.defer("rows", "errors").annotate(
        has_errors=ExpressionWrapper(~Q(errors=[]), output_field=BooleanField())
    )[:limit]
