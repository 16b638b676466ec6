"""The audit log: what coordinators and students did to the programme's data.

Actions are plain strings so that each app records its own; `register` gives them words.
Details never hold personal data: ids of rows, counts, names of settings.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.accounts.models import User
from core.models import AuditEvent

_LABELS: dict[str, Promise | str] = {action.value: action.label for action in AuditEvent.Action}


def register(labels: dict[str, Promise | str]) -> None:
    _LABELS.update(labels)


def label(action: str) -> str:
    return str(_LABELS.get(action, action))


def record(action: str, actor: User | None = None, **details) -> AuditEvent:
    return AuditEvent.objects.create(action=action, actor=actor, details=details)


# The words for the details' keys; a key without words is shown as it is.
_DETAIL_LABELS: dict[str, Promise] = {
    "part": _("part"),
    "fields": _("fields"),
    "profile": _("student"),
    "pair": _("pair"),
    "run": _("match run"),
    "rows": _("rows"),
    "columns": _("columns"),
    "filters": _("filters"),
    "kind": _("kind"),
    "added": _("added"),
    "switched_off": _("hidden"),
    "coordinator_id": _("coordinator"),
    "recipients": _("recipients"),
    "message": _("message"),
    "event": _("event"),
    "batch": _("import"),
    "reason": _("reason"),
    "students": _("students"),
    "proposals": _("proposals"),
    "requests": _("requests"),
    "offer": _("offer"),
    "offers": _("offers"),
}
# Details that name a row a coordinator can open: its page.
_DETAIL_PAGES = {"profile": "coordinator:student", "run": "matching:review"}


def describe(details: dict) -> list[tuple[str, str, str]]:
    """An event's details as (words, value, link or "") for the audit log page."""
    described = []
    for key, value in details.items():
        if isinstance(value, list | tuple):
            shown = ", ".join(str(item) for item in value) if value else "—"
        elif isinstance(value, dict):
            shown = ", ".join(f"{name}: {item}" for name, item in value.items()) or "—"
        else:
            shown = str(value)
        link = ""
        if key in _DETAIL_PAGES and isinstance(value, int):
            try:
                link = reverse(_DETAIL_PAGES[key], args=[value])
            except NoReverseMatch:
                link = ""
        described.append((str(_DETAIL_LABELS.get(key, key.replace("_", " "))), shown, link))
    return described
