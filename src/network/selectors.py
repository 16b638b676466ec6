"""Reads of the network pages that the API reads too: the sections in an admin's scope."""

from django.db.models import QuerySet

from network.forms import country_choices
from network.scope import Scope
from tenants.models import Section


def countries_with_sections(scope: Scope) -> list[tuple[str, str]]:
    """The countries a filter offers: those with sections in scope, not all 250."""
    codes = set(scope.sections().values_list("country", flat=True).distinct())
    return [(code, name) for code, name in country_choices(scope) if code in codes]


def find_sections(scope: Scope, *, q: str = "", country: str = "") -> QuerySet[Section]:
    """The sections list: in scope, by country and name, searched by name or city."""
    found = scope.sections().order_by("country", "name", "pk")
    if q:
        found = found.filter(name__icontains=q) | found.filter(city__icontains=q)
    if country:
        found = found.filter(country=country)
    return found
