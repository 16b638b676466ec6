"""Semesters, as the statistics count them: autumn runs from August to January, spring from
February to July (when exchange students arrive). "2026-autumn" sorts before "2027-spring"."""

from datetime import date

from django.utils.translation import gettext as _


def semester_of(year: int, month: int) -> str:
    if month >= 8:
        return f"{year}-autumn"
    if month == 1:
        return f"{year - 1}-autumn"
    return f"{year}-spring"


def current_semester(today: date) -> str:
    return semester_of(today.year, today.month)


def semester_label(code: str) -> str:
    year, season = code.split("-")
    if season == "autumn":
        return _("Autumn %(year)s") % {"year": year}
    return _("Spring %(year)s") % {"year": year}
