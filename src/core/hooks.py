"""What core offers the apps above it, so that core never imports them.

- `student_left`: sent, inside the transaction, by every service that takes a student out of
  the programme; receivers (matching ends the student's pairs) run in that transaction.
- account panels: what the student's account page shows besides the profile.
- personal-data sections: what the GDPR download holds besides the account and profile.
- outbox references: which outbox arguments point at a student (`{"delivery": 12}` is one of
  theirs when delivery 12 is theirs), so that the download lists the emails sent to them.

Message segments (`core.events.segments.register`), audit labels (`core.audit.register`) and
menus (`core.navigation.register`) are registries of the same shape. Apps register from their
AppConfig.ready().
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _


class LeftBecause(models.TextChoices):
    WITHDREW = "withdrew", _("The student left the programme")
    DEACTIVATED = "deactivated", _("A coordinator deactivated the student")
    ACCOUNT_DELETED = "account_deleted", _("The student deleted their account")
    STAY_ENDED = "stay_ended", _("The stay ended")


# Sent with profile=<core.Profile>, reason=<LeftBecause>, actor=<User or None>.
student_left = Signal()


@dataclass(frozen=True)
class AccountPanel:
    """A part of the student's account page: a template and the context it needs."""

    template: str
    context: Callable  # (profile) -> dict
    order: int = 50


@dataclass(frozen=True)
class PersonalDataSection:
    """A key of the GDPR download and the function that reads its value for a profile."""

    key: str
    read: Callable  # (profile) -> JSON-serialisable data


@dataclass(frozen=True)
class OutboxReference:
    """An argument of outbox emails (`arg`) and the values of it that are the student's."""

    arg: str
    values: Callable  # (profile) -> list of ids


_PANELS: list[AccountPanel] = []
_PERSONAL_DATA: dict[str, PersonalDataSection] = {}
_OUTBOX_REFERENCES: dict[str, OutboxReference] = {}


def register_account_panel(panel: AccountPanel) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def account_panels() -> list[AccountPanel]:
    return sorted(_PANELS, key=lambda panel: (panel.order, panel.template))


def register_personal_data(*sections: PersonalDataSection) -> None:
    for section in sections:
        _PERSONAL_DATA[section.key] = section


def personal_data_sections() -> list[PersonalDataSection]:
    return list(_PERSONAL_DATA.values())


def register_outbox_reference(*references: OutboxReference) -> None:
    for reference in references:
        _OUTBOX_REFERENCES[reference.arg] = reference


def outbox_references() -> list[OutboxReference]:
    return list(_OUTBOX_REFERENCES.values())
