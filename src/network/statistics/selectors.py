"""What the statistics pages read: sums of snapshots, in a few grouped queries whatever the
number of sections. Rates are computed from the sums (a rate of rates would weigh a section
of 10 students like one of 5,000); the median days to a pair across sections is the mean of
the sections' medians weighted by their pairs (medians do not add up)."""

import csv
import io
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django_countries import countries as country_names

from network.models import SectionSnapshot
from network.scope import Scope
from network.statistics.semesters import IN_TIME, semester_key, semester_label

COUNTED = (
    "registered_incoming",
    "registered_buddies",
    "verified_incoming",
    "verified_buddies",
    "waiting_incoming",
    "waiting_buddies",
    "matched_incoming",
    "pairs_made",
    "checkins_met",
    "checkins_not_yet",
    "survey_answers",
    "survey_rating_total",
    "events",
    "event_attendance",
)
TOP_NATIONALITIES = 10
SECTIONS_LISTED = 50


@dataclass
class Totals:
    values: dict = field(default_factory=dict)

    def __getattr__(self, name: str):
        try:
            return self.__dict__["values"][name]
        except KeyError as error:
            raise AttributeError(name) from error

    @property
    def match_rate(self) -> float | None:
        verified = self.values.get("verified_incoming") or 0
        return round(100 * self.values["matched_incoming"] / verified) if verified else None

    @property
    def satisfaction(self) -> float | None:
        answers = self.values.get("survey_answers") or 0
        return round(self.values["survey_rating_total"] / answers, 1) if answers else None

    @property
    def median_days(self) -> float | None:
        pairs = self.values.get("timed_pairs") or 0
        return round(self.values["weighted_days"] / pairs, 1) if pairs else None

    @property
    def registered(self) -> int:
        return self.values["registered_incoming"] + self.values["registered_buddies"]


def _sums() -> dict:
    # The weighted days first: after them `pairs_made` names the sum, not the column.
    sums = {
        "weighted_days": Coalesce(
            Sum(F("median_days_to_pair") * F("pairs_made"), output_field=FloatField()), 0.0
        ),
        "timed_pairs": Coalesce(Sum("pairs_made", filter=Q(median_days_to_pair__isnull=False)), 0),
    }
    sums.update({name: Coalesce(Sum(name), 0) for name in COUNTED})
    return sums


def snapshots_in_scope(scope: Scope, *, country: str = "", section: int | None = None) -> QuerySet:
    snapshots = SectionSnapshot.objects.filter(scope.country_filter())
    if country:
        snapshots = snapshots.filter(country=country)
    if section:
        snapshots = snapshots.filter(section_id=section)
    return snapshots


def grouped(snapshots: QuerySet) -> list[dict]:
    """Sums per country and semester: the page's totals, trend and countries, in one query."""
    return list(snapshots.values("country", "semester").annotate(**_sums()).order_by())


def add_up(rows: list[dict]) -> Totals:
    names = (*COUNTED, "weighted_days", "timed_pairs")
    return Totals({name: sum(row[name] for row in rows) for name in names})


def _by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(row[key], []).append(row)
    return found


@dataclass
class NetworkFigures:
    totals: Totals
    trend: list[tuple[str, Totals]]  # oldest semester first
    by_country: list[tuple[str, Totals]]
    by_section: list[dict]
    nationality_count: int
    top_nationalities: list[tuple[str, int]]


@dataclass
class Selection:
    """What the filters offer (from the scope's sums) and those sums, for network_figures."""

    rows: list[dict]
    countries: list[tuple[str, str]]
    semesters: list[tuple[str, str]]


def selection(scope: Scope) -> Selection:
    rows = grouped(snapshots_in_scope(scope))
    codes = {row["country"] for row in rows}
    countries = sorted(((code, country_names.name(code)) for code in codes), key=lambda c: c[1])
    semesters = sorted({row["semester"] for row in rows}, key=semester_key, reverse=True)
    return Selection(rows, countries, [(code, semester_label(code)) for code in semesters])


def section_choices(chosen: Selection, scope: Scope, country: str) -> list[tuple[int, str]]:
    """The sections the filter offers: those of the country chosen (none before one is)."""
    if country not in dict(chosen.countries):
        return []
    return list(scope.sections().filter(country=country).values_list("pk", "name"))


def network_figures(
    scope: Scope,
    chosen: Selection,
    *,
    country: str = "",
    section: int | None = None,
    semester: str = "",
) -> NetworkFigures:
    """The page's figures for the filters chosen, from the scope's sums and three queries."""
    if section:
        rows = grouped(snapshots_in_scope(scope, country=country, section=section))
    else:
        rows = [row for row in chosen.rows if not country or row["country"] == country]
    by_semester = sorted(_by(rows, "semester").items(), key=lambda item: semester_key(item[0]))
    trend = [(code, add_up(group)) for code, group in by_semester]
    in_semester = [row for row in rows if not semester or row["semester"] == semester]
    by_country = sorted(
        (
            (country_names.name(code), add_up(group))
            for code, group in _by(in_semester, "country").items()
        ),
        key=lambda pair: pair[0],
    )
    snapshots = snapshots_in_scope(scope, country=country, section=section)
    if semester:
        snapshots = snapshots.filter(semester=semester)
    kinds, top = nationalities(snapshots)
    return NetworkFigures(
        totals=add_up(in_semester),
        trend=trend,
        by_country=by_country,
        by_section=by_section(snapshots),
        nationality_count=kinds,
        top_nationalities=top,
    )


def by_section(snapshots: QuerySet, limit: int = SECTIONS_LISTED) -> list[dict]:
    """The sections with most registrations first, with their sums."""
    rows = (
        snapshots.values("section_id", "section__name", "section__city", "country")
        .annotate(**_sums())
        .order_by(-(F("registered_incoming") + F("registered_buddies")), "section__name")
    )
    return [
        {
            "id": row.pop("section_id"),
            "name": row.pop("section__name"),
            "city": row.pop("section__city"),
            "country": country_names.name(row.pop("country")),
            "totals": Totals(row),
        }
        for row in rows[:limit]
    ]


def nationalities(snapshots: QuerySet, limit: int = TOP_NATIONALITIES) -> tuple[int, list]:
    """How many nationalities the incoming students hold, and the most frequent ones."""
    ids_sql, params = snapshots.values("id").query.sql_with_params()
    # the selection's own SQL, with its parameters passed apart
    select = "SELECT n.key, SUM(n.value::int) AS students, COUNT(*) OVER () AS kinds"
    source = " FROM network_sectionsnapshot s, jsonb_each_text(s.nationalities) n"
    rest = " GROUP BY n.key ORDER BY students DESC, n.key LIMIT %s"
    query = f"{select}{source} WHERE s.id IN ({ids_sql}){rest}"
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, limit])
        rows = cursor.fetchall()
    kinds = rows[0][2] if rows else 0
    return kinds, [(country_names.name(code), students) for code, students, _kinds in rows]


def csv_rows(snapshots: QuerySet) -> str:
    """Every snapshot of the selection as a CSV file (sections by name, semesters in order)."""
    out = io.StringIO()
    writer = csv.writer(out)
    columns = ("median_days_to_pair", *COUNTED)
    writer.writerow(
        ("section", "slug", "country", "semester", "match_rate", *columns, "nationalities")
    )
    rows = snapshots.select_related("section").order_by("section__name", *IN_TIME)
    for row in rows.iterator(chunk_size=2000):
        rate = row.match_rate
        writer.writerow(
            (
                row.section.name,
                row.section.schema_name,
                row.country,
                row.semester,
                "" if rate is None else round(rate, 3),
                "" if row.median_days_to_pair is None else row.median_days_to_pair,
                *(getattr(row, name) for name in COUNTED),
                len(row.nationalities),
            )
        )
    return out.getvalue()


def section_history(section_id: int, limit: int = 6) -> list[tuple[str, SectionSnapshot]]:
    """A section's own last semesters, for its coordinators' dashboard."""
    latest_first = [field.copy().reverse_ordering() for field in IN_TIME]
    rows = SectionSnapshot.objects.filter(section_id=section_id).order_by(*latest_first)[:limit]
    return [(semester_label(row.semester), row) for row in reversed(rows)]
