"""Reads of the coordinator coordinator: the dashboard's figures and the student list."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from core.models import Profile
from matching.models import Pair
from matching.waiting import free_places, has_active_pair, is_waiting, waiting_incoming

UNVERIFIED_FOR = timedelta(days=7)
ARRIVING_WITHIN = timedelta(days=14)
ARRIVAL_WEEKS = 16


def with_pair_state(profiles: QuerySet[Profile], today: date) -> QuerySet[Profile]:
    """Annotate `is_matched` (at least one active pair) and `is_waiting` (matching.waiting)."""
    return profiles.annotate(
        is_matched=ExpressionWrapper(has_active_pair(), output_field=BooleanField()),
        is_waiting=ExpressionWrapper(is_waiting(today), output_field=BooleanField()),
    )


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


STUDENT_SORTS = {
    "name": ("user__last_name", "user__first_name"),
    "-registered": ("-created_at",),
    "arrival": ("arrival_date", "user__last_name"),
}


def student_list(filters: dict, today: date) -> QuerySet[Profile]:
    """The section's students as the coordinator filtered, searched and sorted them.

    One query for the page whatever the number of students (plus the paginator's count).
    """
    students = with_pair_state(Profile.objects.select_related("user", "place_of_study"), today)
    if filters.get("role"):
        students = students.filter(role=filters["role"])
    state = filters.get("state")
    if state == "unverified":
        students = students.filter(email_verified_at__isnull=True)
    elif state == "waiting":
        students = students.filter(is_waiting=True)
    elif state == "matched":
        students = students.filter(is_matched=True)
    elif state in (Profile.Status.WITHDRAWN, Profile.Status.DEACTIVATED):
        students = students.filter(status=state)
    if filters.get("nationality"):
        students = students.filter(nationality=filters["nationality"])
    if filters.get("place_of_study"):
        students = students.filter(place_of_study=filters["place_of_study"])
    if filters.get("arrival_month"):
        month = filters["arrival_month"]
        students = students.filter(arrival_date__year=month.year, arrival_date__month=month.month)
    if filters.get("language"):
        students = students.filter(languages__language=filters["language"])
    if filters.get("hobby"):
        students = students.filter(hobbies=filters["hobby"])
    if filters.get("search"):
        term = filters["search"].strip()
        students = students.filter(
            Q(user__first_name__icontains=term)
            | Q(user__last_name__icontains=term)
            | Q(user__email__icontains=term)
        )
    return students.order_by(*STUDENT_SORTS.get(filters.get("sort") or "", ("-created_at",)), "pk")


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


def pair_history(profile: Profile) -> QuerySet[Pair]:
    return Pair.objects.of(profile).with_partner_of(profile)
