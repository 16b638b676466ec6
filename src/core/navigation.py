"""The menus of a section's pages. Each app adds its entries from its AppConfig.ready()."""

from dataclasses import dataclass

from django.utils.functional import Promise

COORDINATOR = "coordinator"
STUDENT = "student"


@dataclass(frozen=True)
class NavItem:
    label: Promise | str
    url_name: str
    audience: str
    order: int = 50


_ITEMS: list[NavItem] = []


def register(*items: NavItem) -> None:
    for item in items:
        if item not in _ITEMS:
            _ITEMS.append(item)


def items_for(audience: str) -> list[NavItem]:
    return sorted(
        (i for i in _ITEMS if i.audience == audience), key=lambda i: (i.order, str(i.label))
    )
