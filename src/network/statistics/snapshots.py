"""The statistics pass: each section's figures counted in its schema, written as snapshots
in the public schema, where the network pages and the coordinators' dashboards read them.

Only this pass loops over schemas (from beat, network.tasks); pages never do. It is
idempotent (one snapshot per section and semester, replaced), and one section failing does
not stop the others."""

import logging
import time
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from network.models import SectionSnapshot
from network.statistics.counting import section_figures
from tenants.models import Section

logger = logging.getLogger(__name__)


@dataclass
class PassReport:
    sections: int = 0
    snapshots: int = 0
    failed: int = 0
    seconds: float = 0.0


def snapshot_section(section: Section, now=None) -> int:
    """Count one section and write its snapshots; how many semesters it has."""
    now = now or timezone.now()
    with schema_context(section.schema_name):
        figures = section_figures(timezone.localdate(now))
    rows = [
        SectionSnapshot(
            section=section,
            semester=semester,
            country=section.country,
            taken_at=now,
            **asdict(values),
        )
        for semester, values in figures.items()
    ]
    fields = [
        f.name
        for f in SectionSnapshot._meta.concrete_fields
        if f.name not in {"id", "section", "semester"}
    ]
    with transaction.atomic():
        SectionSnapshot.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["section", "semester"],
            update_fields=fields,
        )
        # a semester with nothing left to count (its students erased) has no snapshot
        SectionSnapshot.objects.filter(section=section).exclude(semester__in=list(figures)).delete()
    return len(rows)


def take_snapshots(now=None) -> PassReport:
    """Snapshot every section (the inactive too: their data is kept, so is their history)."""
    report = PassReport()
    started = time.perf_counter()
    now = now or timezone.now()
    for section in Section.objects.exclude(schema_name="public").order_by("pk"):
        try:
            report.snapshots += snapshot_section(section, now)
            report.sections += 1
        except Exception as error:  # one section must never hold up the others
            report.failed += 1
            logger.error(
                "statistics of %s not taken: %s", section.schema_name, type(error).__name__
            )
    report.seconds = round(time.perf_counter() - started, 2)
    return report
