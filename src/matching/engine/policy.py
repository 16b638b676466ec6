"""A section's matching policy: a weight per score criterion and which constraints are hard.

Criterion and constraint names are stable strings: the Django side stores them and renders
them into words, so renaming one is a data migration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from matching.engine.errors import ProblemError

SHARED_LANGUAGES = "shared_languages"
SHARED_HOBBIES = "shared_hobbies"
SAME_PLACE_OF_STUDY = "same_place_of_study"
SAME_FACULTY = "same_faculty"
AGE_DIFFERENCE = "age_difference"
ARRIVAL_IN_AVAILABILITY = "arrival_in_availability"
GENDER_PREFERENCE = "gender_preference"
NATIONALITY_DIVERSITY = "nationality_diversity"
BUDDY_EXPERIENCE = "buddy_experience"
EARLY_ARRIVAL = "early_arrival"

# Score criteria, in the order a breakdown lists them.
CRITERIA: tuple[str, ...] = (
    SHARED_LANGUAGES,
    SHARED_HOBBIES,
    SAME_PLACE_OF_STUDY,
    SAME_FACULTY,
    AGE_DIFFERENCE,
    ARRIVAL_IN_AVAILABILITY,
    GENDER_PREFERENCE,
    NATIONALITY_DIVERSITY,
    BUDDY_EXPERIENCE,
    EARLY_ARRIVAL,
)

COMMON_LANGUAGE = "common_language"
DATES_OVERLAP = "dates_overlap"
# Hard constraints a section may switch on or off. Capacity, forbidden and pinned pairs are
# always enforced by the solver and are not listed here.
HARD_CONSTRAINTS: tuple[str, ...] = (
    COMMON_LANGUAGE,
    GENDER_PREFERENCE,
    DATES_OVERLAP,
    SAME_PLACE_OF_STUDY,
)

DEFAULT_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {
        SHARED_LANGUAGES: 80,
        SHARED_HOBBIES: 50,
        SAME_PLACE_OF_STUDY: 40,
        SAME_FACULTY: 30,
        AGE_DIFFERENCE: 30,
        ARRIVAL_IN_AVAILABILITY: 60,
        GENDER_PREFERENCE: 50,
        NATIONALITY_DIVERSITY: 10,
        BUDDY_EXPERIENCE: 20,
        EARLY_ARRIVAL: 40,
    }
)
DEFAULT_HARD: Mapping[str, bool] = MappingProxyType(
    {
        COMMON_LANGUAGE: True,
        GENDER_PREFERENCE: True,
        DATES_OVERLAP: True,
        SAME_PLACE_OF_STUDY: False,
    }
)

MAX_WEIGHT = 100
# Each criterion earns 0..POINTS points; a pair's contribution is weight x points.
POINTS = 100

# CEFR levels as numbers; 0 means "level not given".
LANGUAGE_LEVELS: Mapping[str, int] = MappingProxyType(
    {"a1": 1, "a2": 2, "b1": 3, "b2": 4, "c1": 5, "c2": 6, "native": 7}
)


@dataclass(frozen=True)
class Policy:
    """Weights 0-100 per criterion, hard-constraint toggles and the scales of the criteria.

    Missing weights and toggles take the defaults. The scale parameters say when a criterion
    earns full points: e.g. three shared languages, five shared hobbies, the same age.
    """

    weights: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    hard_constraints: Mapping[str, bool] = field(default_factory=lambda: dict(DEFAULT_HARD))
    # A language is shared only when both speak it at this level or above (0: any, even
    # when no level is given).
    min_language_level: int = 0
    languages_for_full_points: int = 3
    hobbies_for_full_points: int = 5
    # Age points fall linearly to 0 at this difference in years.
    age_gap_years: int = 10
    # An arrival this many days outside the buddy's availability still earns some points.
    arrival_grace_days: int = 14
    # Students arriving this many days after the run, or later, earn no early-arrival points.
    arrival_horizon_days: int = 60
    experience_for_full_points: int = 3

    def __post_init__(self) -> None:
        weights = dict(DEFAULT_WEIGHTS)
        for key, value in dict(self.weights).items():
            if key not in CRITERIA:
                raise ProblemError(f"unknown criterion in policy weights: {key!r}")
            if not _is_int(value) or not 0 <= value <= MAX_WEIGHT:
                raise ProblemError(f"weight of {key} must be a whole number from 0 to 100")
            weights[key] = int(value)
        hard = dict(DEFAULT_HARD)
        for key, value in dict(self.hard_constraints).items():
            if key not in HARD_CONSTRAINTS:
                raise ProblemError(f"unknown hard constraint in policy: {key!r}")
            if not isinstance(value, bool):
                raise ProblemError(f"hard constraint {key} must be true or false")
            hard[key] = value
        object.__setattr__(self, "weights", MappingProxyType(weights))
        object.__setattr__(self, "hard_constraints", MappingProxyType(hard))
        for f in fields(self):
            if f.name in ("weights", "hard_constraints"):
                continue
            value = getattr(self, f.name)
            lowest = 0 if f.name in ("min_language_level", "arrival_grace_days") else 1
            if not _is_int(value) or value < lowest:
                raise ProblemError(f"policy {f.name} must be a whole number of at least {lowest}")
        if self.min_language_level > max(LANGUAGE_LEVELS.values()):
            raise ProblemError("policy min_language_level is above the highest level (7)")

    def is_hard(self, constraint: str) -> bool:
        return bool(self.hard_constraints[constraint])

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Policy:
        """A policy from its JSON form; unknown keys are an error (a typo must not pass)."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ProblemError("policy must be an object")
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ProblemError(f"unknown policy key: {unknown[0]!r}")
        for key in ("weights", "hard_constraints"):
            if key in data and not isinstance(data[key], Mapping):
                raise ProblemError(f"policy {key} must be an object")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["weights"] = dict(self.weights)
        out["hard_constraints"] = dict(self.hard_constraints)
        return out


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
