"""Reads for the CSV exports: the columns a coordinator can choose and the rows."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.languages import SPOKEN_LANGUAGES, LanguageLevel
from core.models import Profile, ProfileLanguage
from matching.models import Pair

CHUNK = 2000


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    value: Callable[[object], object]


def _yes_no(flag: bool) -> str:
    return gettext("yes") if flag else gettext("no")


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _moment(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _languages(profile: Profile) -> str:
    names, levels = dict(SPOKEN_LANGUAGES), dict(LanguageLevel.choices)
    spoken = (entry.split(":", 1) for entry in profile.spoken)
    return ", ".join(
        f"{names.get(code, code)} ({levels.get(level, level)})" for code, level in spoken
    )


STUDENT_COLUMNS = [
    Column("first_name", _("First name"), lambda p: p.user.first_name),
    Column("last_name", _("Last name"), lambda p: p.user.last_name),
    Column("email", _("Email"), lambda p: p.user.email),
    Column("role", _("Role"), lambda p: p.get_role_display()),
    Column("status", _("Status"), lambda p: p.get_status_display()),
    Column("verified", _("Email verified"), lambda p: _yes_no(p.is_verified)),
    Column("nationality", _("Nationality"), lambda p: p.nationality.code),
    Column("place_of_study", _("Place of study"), lambda p: p.place_of_study.name),
    Column("faculty", _("Faculty"), lambda p: p.faculty),
    Column("study_level", _("Study level"), lambda p: p.get_study_level_display()),
    Column("languages", _("Languages"), _languages),
    Column("arrival_date", _("Arrival"), lambda p: _day(p.arrival_date)),
    Column("departure_date", _("Departure"), lambda p: _day(p.departure_date)),
    Column("available_from", _("Available from"), lambda p: _day(p.available_from)),
    Column("available_until", _("Available until"), lambda p: _day(p.available_until)),
    Column("capacity", _("Capacity"), lambda p: p.capacity if p.capacity is not None else ""),
    Column("registered_at", _("Registered at"), lambda p: _moment(p.created_at)),
    Column("matched", _("Matched"), lambda p: _yes_no(p.matched)),
]


def _name(profile: Profile | None) -> str:
    return profile.user.get_full_name() if profile else ""


def _email(profile: Profile | None) -> str:
    return profile.user.email if profile else ""


PAIR_COLUMNS = [
    Column("incoming_name", _("Incoming student"), lambda pair: _name(pair.incoming)),
    Column("incoming_email", _("Incoming student's email"), lambda pair: _email(pair.incoming)),
    Column("buddy_name", _("Buddy"), lambda pair: _name(pair.buddy)),
    Column("buddy_email", _("Buddy's email"), lambda pair: _email(pair.buddy)),
    Column("confirmed_at", _("Confirmed at"), lambda pair: _moment(pair.confirmed_at)),
    Column("ended_at", _("Ended at"), lambda pair: _moment(pair.ended_at)),
    Column("score", _("Score"), lambda pair: pair.score if pair.score is not None else ""),
]

STUDENT_COLUMN_KEYS = [column.key for column in STUDENT_COLUMNS]
PAIR_COLUMN_KEYS = [column.key for column in PAIR_COLUMNS]


@dataclass(frozen=True)
class Export:
    header: list[str]
    rows: Iterator[list]
    count: int


def students_for_export(*, role: str = "", status: str = "") -> QuerySet[Profile]:
    """The students, with whether they have an active pair and their languages, in one query."""
    profiles = Profile.objects.select_related("user", "place_of_study").annotate(
        matched=Exists(
            Pair.objects.active().filter(Q(incoming=OuterRef("pk")) | Q(buddy=OuterRef("pk")))
        ),
        spoken=ArraySubquery(
            ProfileLanguage.objects.filter(profile=OuterRef("pk"))
            .order_by("id")
            .annotate(entry=Concat("language", Value(":"), "level"))
            .values("entry")
        ),
    )
    if role:
        profiles = profiles.filter(role=role)
    if status:
        profiles = profiles.filter(status=status)
    return profiles.order_by("created_at", "pk")


def pairs_for_export(*, state: str = "") -> QuerySet[Pair]:
    pairs = Pair.objects.select_related("incoming__user", "buddy__user")
    if state == "active":
        pairs = pairs.filter(ended_at__isnull=True)
    elif state == "ended":
        pairs = pairs.filter(ended_at__isnull=False)
    return pairs.order_by("confirmed_at", "pk")


def export(queryset: QuerySet, columns: list[Column], keys: list[str]) -> Export:
    """The chosen columns (in the list's order) of every row, read in chunks."""
    chosen = [column for column in columns if column.key in keys]

    def rows() -> Iterator[list]:
        for item in queryset.iterator(chunk_size=CHUNK):
            yield [column.value(item) for column in chosen]

    return Export([str(column.label) for column in chosen], rows(), queryset.count())
