"""A section's figures per semester, counted in its own schema by the statistics pass.

Read-only, counts only: nothing that names a student leaves the section. Students belong to
the semester of their arrival (incoming) or of the start of their availability (buddies),
else of their registration; pairs, check-ins and surveys to the semester their pair was
confirmed in; events to the semester they start in. "Waiting" is matching.waiting's rule.
"""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, TruncDate

from core.events.models import Event, EventRegistration
from core.models import Profile
from matching.followup.models import CheckIn, SurveyResponse
from matching.models import Pair
from matching.waiting import is_waiting
from network.statistics.semesters import semester_of

INCOMING, BUDDY = Profile.Role.INCOMING, Profile.Role.BUDDY


@dataclass
class Figures:
    registered_incoming: int = 0
    registered_buddies: int = 0
    verified_incoming: int = 0
    verified_buddies: int = 0
    waiting_incoming: int = 0
    waiting_buddies: int = 0
    matched_incoming: int = 0
    pairs_made: int = 0
    median_days_to_pair: float | None = None
    checkins_met: int = 0
    checkins_not_yet: int = 0
    survey_answers: int = 0
    survey_rating_total: int = 0
    events: int = 0
    event_attendance: int = 0
    nationalities: dict[str, int] = field(default_factory=dict)


def _by_month(queryset, moment: str):
    """`queryset` annotated with the year and month of `moment`, grouped by them."""
    return queryset.annotate(year=ExtractYear(moment), month=ExtractMonth(moment)).values(
        "year", "month"
    )


def section_figures(today: date) -> dict[str, Figures]:
    """Every semester of the current schema that has anything to count, with its figures."""
    figures: dict[str, Figures] = defaultdict(Figures)

    def of(row) -> Figures:
        return figures[semester_of(row["year"], row["month"])]

    profiles = Profile.objects.annotate(
        stay_start=Coalesce("arrival_date", "available_from", TruncDate("created_at"))
    )
    verified = Q(email_verified_at__isnull=False)
    has_pair = Exists(Pair.objects.filter(incoming=OuterRef("pk")))
    for row in _by_month(profiles, "stay_start").annotate(
        incoming=Count("pk", filter=Q(role=INCOMING)),
        buddies=Count("pk", filter=Q(role=BUDDY)),
        verified_incoming=Count("pk", filter=Q(role=INCOMING) & verified),
        verified_buddies=Count("pk", filter=Q(role=BUDDY) & verified),
        waiting_incoming=Count("pk", filter=Q(role=INCOMING) & is_waiting(today)),
        waiting_buddies=Count("pk", filter=Q(role=BUDDY) & is_waiting(today)),
        matched=Count("pk", filter=Q(role=INCOMING) & verified & Q(has_pair)),
    ):
        semester = of(row)
        semester.registered_incoming += row["incoming"]
        semester.registered_buddies += row["buddies"]
        semester.verified_incoming += row["verified_incoming"]
        semester.verified_buddies += row["verified_buddies"]
        semester.waiting_incoming += row["waiting_incoming"]
        semester.waiting_buddies += row["waiting_buddies"]
        semester.matched_incoming += row["matched"]

    nationalities: dict[str, Counter] = defaultdict(Counter)
    incoming = profiles.filter(role=INCOMING).exclude(nationality="")
    for row in (
        _by_month(incoming, "stay_start")
        .annotate(count=Count("pk"))
        .values("year", "month", "nationality", "count")
    ):
        nationalities[semester_of(row["year"], row["month"])][row["nationality"]] += row["count"]
    for semester, counter in nationalities.items():
        figures[semester].nationalities = dict(counter.most_common())

    waits: dict[str, list[float]] = defaultdict(list)
    pairs = Pair.objects.annotate(
        year=ExtractYear("confirmed_at"),
        month=ExtractMonth("confirmed_at"),
        wait=ExpressionWrapper(
            F("confirmed_at") - F("incoming__created_at"), output_field=DurationField()
        ),
    )
    for year, month, wait in pairs.values_list("year", "month", "wait"):
        semester = semester_of(year, month)
        figures[semester].pairs_made += 1
        if wait is not None:  # the incoming student's profile was erased
            waits[semester].append(max(wait.total_seconds(), 0) / 86400)
    for semester, days in waits.items():
        figures[semester].median_days_to_pair = round(statistics.median(days), 1)

    for row in _by_month(CheckIn.objects, "pair__confirmed_at").annotate(
        met=Count("pk", filter=Q(answer=CheckIn.Answer.MET)),
        not_yet=Count("pk", filter=Q(answer=CheckIn.Answer.NOT_YET)),
    ):
        of(row).checkins_met += row["met"]
        of(row).checkins_not_yet += row["not_yet"]

    answered = SurveyResponse.objects.filter(rating__isnull=False)
    for row in _by_month(answered, "pair__confirmed_at").annotate(
        answers=Count("pk"), total=Sum("rating")
    ):
        of(row).survey_answers += row["answers"]
        of(row).survey_rating_total += row["total"] or 0

    attending = Q(registrations__status=EventRegistration.Status.REGISTERED)
    for row in _by_month(Event.objects, "starts_at").annotate(
        count=Count("pk", distinct=True), attendance=Count("registrations", filter=attending)
    ):
        of(row).events += row["count"]
        of(row).event_attendance += row["attendance"]
    return dict(figures)
