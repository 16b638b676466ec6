"""Semesters, as the statistics count them: autumn runs from August to January, spring from
February to July (when exchange students arrive). Their codes do not sort in time as text
("2026-autumn" < "2026-spring", but spring 2026 came first): sort by `semester_key`, or in SQL
by `IN_TIME`."""

from datetime import date

from django.db.models import F
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

# The year, then the season backwards: "spring" after "autumn" as text, before it in time.
IN_TIME = (Substr("semester", 1, 4).asc(), F("semester").desc())


def semester_of(year: int, month: int) -> str:
    if month >= 8:
        return f"{year}-autumn"
    if month == 1:
        return f"{year - 1}-autumn"
    return f"{year}-spring"


def current_semester(today: date) -> str:
    return semester_of(today.year, today.month)


def semester_key(code: str) -> tuple[str, int]:
    """Sorts semester codes in time: spring before autumn of the same year."""
    year, season = code.split("-")
    return year, 0 if season == "spring" else 1


def semester_label(code: str) -> str:
    year, season = code.split("-")
    if season == "autumn":
        return _("Autumn %(year)s") % {"year": year}
    return _("Spring %(year)s") % {"year": year}
