"""Reads of the pair follow-up: what is due, what needs a coordinator, survey results."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from core.ids import parse_id
from core.models import Profile, SectionSettings
from matching.followup.models import CheckIn, MeetingReminder, SurveyResponse
from matching.models import Pair

# Pairs and stays older than this when the follow-up first sees them get no email: turning
# the feature on (or a scheduler down for weeks) must not flood students with stale questions.
CATCH_UP = dt.timedelta(days=30)
# The buddy is reminded once the incoming student has arrived and this long after the
# check-in went out without a meeting reported, so that the two emails never arrive together.
REMINDER_AFTER_CHECKIN = dt.timedelta(days=3)

NEW_BUDDY_UNHANDLED = Q(answer=CheckIn.Answer.NEW_BUDDY, handled_at__isnull=True)


def _checkin_of(side: str):
    return CheckIn.objects.filter(pair=OuterRef("pk"), profile=OuterRef(side))


def checkin_of(claim) -> CheckIn | None:
    """The check-in a link's claim answers, if it was sent and the answer is one of ours."""
    if claim is None or claim.answer not in CheckIn.Answer.values:
        return None
    return CheckIn.objects.filter(pair_id=claim.pair_id, profile_id=claim.profile_id).first()


def checkins_due(now: dt.datetime | None = None) -> QuerySet[Pair]:
    """Active pairs confirmed the section's delay ago whose students were not all asked yet.

    Only while the incoming student's stay lasts, and for pairs confirmed within the catch-up
    window after the delay.
    """
    now = now or timezone.now()
    delay = dt.timedelta(days=SectionSettings.load().checkin_after_days)
    return (
        Pair.objects.active()
        .filter(
            confirmed_at__lte=now - delay,
            confirmed_at__gt=now - delay - CATCH_UP,
            incoming__isnull=False,
        )
        .exclude(incoming__departure_date__lt=timezone.localdate(now))
        .filter(~Exists(_checkin_of("incoming")) | ~Exists(_checkin_of("buddy")))
        .select_related("incoming__user", "buddy__user")
        .order_by("pk")
    )


def reminders_due(now: dt.datetime | None = None) -> QuerySet[Pair]:
    """Active pairs whose incoming student has arrived and is still here, where nobody
    reported a meeting, nobody waits for a new buddy, and the buddy's check-in went out
    REMINDER_AFTER_CHECKIN ago; never reminded before."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    buddy_checked_in = CheckIn.objects.filter(
        pair=OuterRef("pk"), profile=OuterRef("buddy"), sent_at__lte=now - REMINDER_AFTER_CHECKIN
    )
    pair_checkins = CheckIn.objects.filter(pair=OuterRef("pk"))
    return (
        Pair.objects.active()
        .filter(
            incoming__arrival_date__lte=today,
            incoming__departure_date__gte=today,
            buddy__status=Profile.Status.ACTIVE,
        )
        .filter(Exists(buddy_checked_in))
        .exclude(Exists(pair_checkins.filter(answer=CheckIn.Answer.MET)))
        .exclude(Exists(pair_checkins.filter(NEW_BUDDY_UNHANDLED)))
        .exclude(Exists(MeetingReminder.objects.filter(pair=OuterRef("pk"))))
        .select_related("incoming__user", "buddy__user")
        .order_by("pk")
    )


def surveys_due(now: dt.datetime | None = None) -> QuerySet[Pair]:
    """Pairs whose incoming student's stay ended (within the catch-up window), still active
    or ended only after the stay, whose students were not all surveyed yet."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    surveyed = SurveyResponse.objects.filter(pair=OuterRef("pk"))
    return (
        Pair.objects.filter(
            incoming__departure_date__lt=today,
            incoming__departure_date__gte=today - CATCH_UP,
        )
        .filter(Q(ended_at__isnull=True) | Q(ended_at__date__gte=F("incoming__departure_date")))
        .filter(
            ~Exists(surveyed.filter(profile=OuterRef("incoming")))
            | ~Exists(surveyed.filter(profile=OuterRef("buddy")))
        )
        .select_related("incoming__user", "buddy__user")
        .order_by("pk")
    )


def pairs_needing_attention() -> QuerySet[Pair]:
    """Active pairs where a student answered "I need a new buddy" and no coordinator has
    handled it yet, oldest request first; each with `asked_at` and its check-ins."""
    return (
        Pair.objects.active()
        .filter(Exists(CheckIn.objects.filter(NEW_BUDDY_UNHANDLED, pair=OuterRef("pk"))))
        .annotate(
            asked_at=Min(
                "checkins__answered_at",
                filter=Q(
                    checkins__answer=CheckIn.Answer.NEW_BUDDY,
                    checkins__handled_at__isnull=True,
                ),
            )
        )
        .select_related(
            "incoming__user", "incoming__place_of_study", "buddy__user", "buddy__place_of_study"
        )
        .prefetch_related(Prefetch("checkins", queryset=CheckIn.objects.order_by("pk")))
        .order_by("asked_at", "pk")
    )


def checkin_figures() -> dict[str, int]:
    """How many check-ins went out, and how they were answered."""
    figures = CheckIn.objects.aggregate(
        sent=Count("pk"),
        met=Count("pk", filter=Q(answer=CheckIn.Answer.MET)),
        not_yet=Count("pk", filter=Q(answer=CheckIn.Answer.NOT_YET)),
        new_buddy=Count("pk", filter=Q(answer=CheckIn.Answer.NEW_BUDDY)),
        unanswered=Count("pk", filter=Q(answer="")),
    )
    figures["reminders"] = MeetingReminder.objects.count()
    return figures


# --- Survey results per semester -----------------------------------------------------------
SPRING, AUTUMN = 1, 2


@dataclass(frozen=True, order=True)
class Semester:
    """Spring: pairs confirmed January to July; autumn: August to December."""

    year: int
    half: int

    @classmethod
    def of(cls, moment: dt.datetime) -> "Semester":
        local = timezone.localtime(moment)
        return cls(local.year, SPRING if local.month <= 7 else AUTUMN)

    @classmethod
    def from_key(cls, key: str) -> "Semester | None":
        text, _sep, half = key.partition("-")
        year = parse_id(text)
        halves = {"spring": SPRING, "autumn": AUTUMN}
        if year is None or half not in halves or not 2000 <= year <= 2999:
            return None
        return cls(year, halves[half])

    @property
    def key(self) -> str:
        return f"{self.year}-{'spring' if self.half == SPRING else 'autumn'}"

    @property
    def label(self) -> str:
        if self.half == SPRING:
            return _("Spring %(year)d") % {"year": self.year}
        return _("Autumn %(year)d") % {"year": self.year}

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The first moment of the semester and the first moment after it, local time."""
        if self.half == SPRING:
            start, end = dt.date(self.year, 1, 1), dt.date(self.year, 8, 1)
        else:
            start, end = dt.date(self.year, 8, 1), dt.date(self.year + 1, 1, 1)
        return _aware(start), _aware(end)


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class SemesterResults:
    semester: Semester
    sent: int
    answered: int
    average: float | None


def survey_results() -> list[SemesterResults]:
    """Surveys sent and answered and the average rating per semester, latest first.

    A survey belongs to the semester in which its pair was confirmed.
    """
    rows = (
        SurveyResponse.objects.annotate(
            year=ExtractYear("pair__confirmed_at"),
            half=Case(
                When(pair__confirmed_at__month__lte=7, then=Value(SPRING)),
                default=Value(AUTUMN),
                output_field=IntegerField(),
            ),
        )
        .values("year", "half")
        .annotate(
            sent=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            average=Avg("rating"),
        )
        .order_by("-year", "-half")
    )
    return [
        SemesterResults(
            Semester(row["year"], row["half"]),
            row["sent"],
            row["answered"],
            round(float(row["average"]), 2) if row["average"] is not None else None,
        )
        for row in rows
    ]


def semester_comments(semester: Semester) -> QuerySet[SurveyResponse]:
    """The semester's answered surveys with a comment: rating and comment only, no names."""
    start, end = semester.bounds()
    return (
        SurveyResponse.objects.filter(
            pair__confirmed_at__gte=start,
            pair__confirmed_at__lt=end,
            answered_at__isnull=False,
        )
        .exclude(comment="")
        .only("pk", "rating", "comment")
        .order_by("pk")
    )
