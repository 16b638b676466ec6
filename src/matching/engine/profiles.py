"""The profile fields matching reads, for an incoming student and for a local buddy.

Plain frozen dataclasses, so the Django side builds them from its models and tests build them
by hand. Text fields are compared after `normalise` (trimmed, case-folded); unknown values are
None and never count as a match.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from matching.engine.errors import ProblemError
from matching.engine.policy import LANGUAGE_LEVELS

GenderPreference = Literal["any", "same"]
GENDER_PREFERENCES: tuple[str, ...] = ("any", "same")


def normalise(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split()).casefold()
    return text or None


def language_level(level: int | str | None) -> int:
    """A level as a number: 0 (not given), 1-6 for A1-C2, 7 for native."""
    if level is None:
        return 0
    if isinstance(level, bool):
        raise ProblemError(f"unknown language level: {level!r}")
    if isinstance(level, int):
        if 0 <= level <= 7:
            return level
        raise ProblemError(f"language level must be 0 to 7, not {level}")
    number = LANGUAGE_LEVELS.get(str(level).strip().casefold())
    if number is None:
        raise ProblemError(f"unknown language level: {level!r}")
    return number


def _languages(value: Mapping[str, int | str | None] | Iterable[str]) -> Mapping[str, int]:
    items = value.items() if isinstance(value, Mapping) else ((code, None) for code in value)
    out: dict[str, int] = {}
    for code, level in items:
        key = normalise(code)
        if key is None:
            raise ProblemError("a language code is empty")
        out[key] = max(out.get(key, 0), language_level(level))
    return MappingProxyType(out)


def _hobbies(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        raise ProblemError("hobbies must be a list of strings")
    return frozenset(h for h in (normalise(v) for v in value) if h)


def age_on(birth_date: dt.date | None, age: int | None, reference_date: dt.date) -> int | None:
    """Whole years on `reference_date`, from the birth date when known, else the given age."""
    if birth_date is not None:
        before_birthday = (reference_date.month, reference_date.day) < (
            birth_date.month,
            birth_date.day,
        )
        # A birth date after the reference date is a typo, not a negative age.
        return max(0, reference_date.year - birth_date.year - int(before_birthday))
    return age


@dataclass(frozen=True)
class _Person:
    id: str
    languages: Mapping[str, int] = field(default_factory=dict)
    hobbies: frozenset[str] = frozenset()
    place_of_study: str | None = None
    faculty: str | None = None
    birth_date: dt.date | None = None
    age: int | None = None
    gender: str | None = None
    # "same": only a partner of the same (known) gender.
    gender_preference: GenderPreference = "any"
    nationality: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ProblemError("every profile needs a non-empty string id")
        set_ = object.__setattr__
        set_(self, "languages", _languages(self.languages))
        set_(self, "hobbies", _hobbies(self.hobbies))
        for name in ("place_of_study", "faculty", "gender", "nationality"):
            set_(self, name, normalise(getattr(self, name)))
        if self.gender_preference not in GENDER_PREFERENCES:
            raise ProblemError(
                f"{self.id}: gender_preference must be 'any' or 'same',"
                f" not {self.gender_preference!r}"
            )
        if self.age is not None and (
            isinstance(self.age, bool) or not isinstance(self.age, int) or not 0 <= self.age < 150
        ):
            raise ProblemError(f"{self.id}: age must be a whole number of years")

    def age_on(self, reference_date: dt.date) -> int | None:
        return age_on(self.birth_date, self.age, reference_date)


@dataclass(frozen=True)
class Incoming(_Person):
    """An incoming international student waiting for a buddy."""

    arrival: dt.date | None = None
    departure: dt.date | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.arrival and self.departure and self.departure < self.arrival:
            raise ProblemError(f"{self.id}: departure is before arrival")


@dataclass(frozen=True)
class Buddy(_Person):
    """A local buddy. `capacity` is what is left for this run (confirmed pairs deducted)."""

    available_from: dt.date | None = None
    available_until: dt.date | None = None
    capacity: int = 1
    # Number of students this buddy has had before (earns experience points).
    experience: int = 0
    # Nationalities of the students already paired with this buddy: they count against the
    # nationality quota of a rolling run.
    assigned_nationalities: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("capacity", "experience"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ProblemError(f"{self.id}: {name} must be a whole number of at least 0")
        if (
            self.available_from
            and self.available_until
            and self.available_until < self.available_from
        ):
            raise ProblemError(f"{self.id}: available_until is before available_from")
        assigned: dict[str, int] = {}
        for nat, count in dict(self.assigned_nationalities).items():
            key = normalise(nat)
            if key is None or isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ProblemError(f"{self.id}: assigned_nationalities must map codes to counts")
            assigned[key] = assigned.get(key, 0) + count
        object.__setattr__(self, "assigned_nationalities", MappingProxyType(assigned))


_INCOMING_FIELDS = frozenset(Incoming.__dataclass_fields__)
_BUDDY_FIELDS = frozenset(Buddy.__dataclass_fields__)
_DATE_FIELDS = frozenset(
    {"birth_date", "arrival", "departure", "available_from", "available_until"}
)


def _from_dict(cls: type, allowed: frozenset[str], data: Any, what: str) -> Any:
    if not isinstance(data, Mapping):
        raise ProblemError(f"every {what} must be an object with an id")
    unknown = sorted(set(data) - allowed)
    ident = data.get("id", "?")
    if unknown:
        raise ProblemError(f"{what} {ident}: unknown field {unknown[0]!r}")
    values = dict(data)
    for name in _DATE_FIELDS & set(values):
        values[name] = parse_date(values[name], f"{what} {ident}: {name}")
    for name in ("hobbies",):
        if name in values and not isinstance(values[name], list):
            raise ProblemError(f"{what} {ident}: {name} must be a list")
    if "languages" in values and not isinstance(values["languages"], list | Mapping):
        raise ProblemError(f"{what} {ident}: languages must be a list or an object")
    try:
        return cls(**values)
    except TypeError as exc:
        raise ProblemError(f"{what} {ident}: {exc}") from None


def incoming_from_dict(data: Any) -> Incoming:
    return _from_dict(Incoming, _INCOMING_FIELDS, data, "incoming student")


def buddy_from_dict(data: Any) -> Buddy:
    return _from_dict(Buddy, _BUDDY_FIELDS, data, "buddy")


def parse_date(value: Any, what: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ProblemError(f"{what} must be a date as YYYY-MM-DD")
