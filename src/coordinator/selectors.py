"""Reads of the coordinator coordinator: the dashboard's figures and the student list."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from core.models import Profile
from matching.models import Pair
from matching.students import with_pair_state
from matching.waiting import free_places, is_waiting, waiting_incoming

UNVERIFIED_FOR = timedelta(days=7)
ARRIVING_WITHIN = timedelta(days=14)
ARRIVAL_WEEKS = 16


@dataclass(frozen=True)
class RoleCounts:
    registered: int
    verified: int
    waiting: int
    matched: int


def counts_by_role(today: date) -> dict[str, RoleCounts]:
    """Registered, verified, waiting (matching.waiting) and matched, by role."""
    rows = (
        with_pair_state(Profile.objects.all(), today)
        .values("role")
        .annotate(
            registered=Count("pk"),
            verified=Count("pk", filter=Q(email_verified_at__isnull=False)),
            waiting=Count("pk", filter=Q(is_waiting=True)),
            matched=Count("pk", filter=Q(is_matched=True)),
        )
    )
    counts = {role: RoleCounts(0, 0, 0, 0) for role in Profile.Role.values}
    for row in rows:
        counts[row["role"]] = RoleCounts(
            row["registered"], row["verified"], row["waiting"], row["matched"]
        )
    return counts


def arrivals_per_week(today: date) -> list[tuple[date, int]]:
    """Incoming students arriving in each of the coming weeks (Monday first)."""
    start = today - timedelta(days=today.weekday())
    end = start + timedelta(weeks=ARRIVAL_WEEKS)
    rows = dict(
        Profile.objects.filter(
            role=Profile.Role.INCOMING,
            arrival_date__gte=start,
            arrival_date__lt=end,
        )
        .exclude(status=Profile.Status.DEACTIVATED)
        .annotate(week=TruncWeek("arrival_date"))
        .values_list("week")
        .annotate(count=Count("pk"))
        .values_list("week", "count")
    )
    weeks = [start + timedelta(weeks=n) for n in range(ARRIVAL_WEEKS)]
    return [(week, rows.get(week, 0)) for week in weeks]


def unverified_for_a_week(now=None) -> QuerySet[Profile]:
    now = now or timezone.now()
    return Profile.objects.filter(
        email_verified_at__isnull=True,
        status=Profile.Status.ACTIVE,
        created_at__lte=now - UNVERIFIED_FOR,
    ).select_related("user")


def arriving_soon_without_buddy(today: date) -> QuerySet[Profile]:
    return (
        waiting_incoming(today)
        # those who arrived already are on the waiting list page, not "arriving"
        .filter(arrival_date__gte=today, arrival_date__lte=today + ARRIVING_WITHIN)
        .select_related("user")
        .order_by("arrival_date")
    )


@dataclass(frozen=True)
class Shortage:
    waiting: int
    free_places: int

    @property
    def short(self) -> bool:
        return self.waiting > self.free_places


def buddy_shortage(today: date) -> Shortage:
    return Shortage(waiting=waiting_incoming(today).count(), free_places=free_places(today))


ENDED_PAIRS_SHOWN_FOR = timedelta(days=30)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def ended_pairs_needing_attention(today: date) -> list[Pair]:
    """Pairs ended lately for another reason than the stay, where a student who remains in
    the programme has no new pair yet. In two steps: the few pairs ended lately, then which
    of their students wait (one query with the waiting rule as a subquery of every pair is
    planned badly once a section has thousands of students)."""
    ended = list(
        # a datetime bound, not ended_at__date: a plain comparison on the column
        Pair.objects.filter(ended_at__gte=_start_of(today - ENDED_PAIRS_SHOWN_FOR))
        .exclude(end_reason=Pair.EndReason.STAY_ENDED)
        .select_related("incoming__user", "buddy__user")
        .order_by("-ended_at")
    )
    students = {pk for pair in ended for pk in (pair.incoming_id, pair.buddy_id) if pk}
    waiting = set(
        Profile.objects.filter(is_waiting(today), pk__in=students).values_list("pk", flat=True)
    )
    return [pair for pair in ended if {pair.incoming_id, pair.buddy_id} & waiting]
