"""The audit log: what coordinators and students did to the programme's data.

Actions are plain strings so that each app records its own; `register` gives them words.
Details never hold personal data: ids of rows, counts, names of settings.
"""

from django.utils.functional import Promise

from core.accounts.models import User
from core.models import AuditEvent

_LABELS: dict[str, Promise | str] = {action.value: action.label for action in AuditEvent.Action}


def register(labels: dict[str, Promise | str]) -> None:
    _LABELS.update(labels)


def label(action: str) -> str:
    return str(_LABELS.get(action, action))


def record(action: str, actor: User | None = None, **details) -> AuditEvent:
    return AuditEvent.objects.create(action=action, actor=actor, details=details)
