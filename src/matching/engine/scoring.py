"""Scores and hard constraints of (incoming student, buddy) pairs.

Two implementations of the same integer arithmetic: `score_pair` in plain Python, for one pair
with its breakdown and the facts behind it, and `score_edges`, numpy over whole blocks of
pairs, for the solver. Property tests keep them equal. Each criterion earns 0-100 points; a
pair's score is the sum over criteria of weight x points, so the breakdown adds up exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from matching.engine.policy import (
    AGE_DIFFERENCE,
    ARRIVAL_IN_AVAILABILITY,
    BUDDY_EXPERIENCE,
    COMMON_LANGUAGE,
    CRITERIA,
    DATES_OVERLAP,
    EARLY_ARRIVAL,
    GENDER_PREFERENCE,
    HARD_CONSTRAINTS,
    NATIONALITY_DIVERSITY,
    POINTS,
    SAME_FACULTY,
    SAME_PLACE_OF_STUDY,
    SHARED_HOBBIES,
    SHARED_LANGUAGES,
    Policy,
)
from matching.engine.profiles import Buddy, Incoming

# Pairs scored at a time by score_edges: bounds its temporaries to some tens of MB.
_BLOCK_PAIRS = 1 << 20
_FAR = 1 << 28  # a day number beyond any real date, for open-ended ranges
# An unknown arrival, for the availability points only: farther than _FAR, so it is always
# outside the availability (no points), and still far from overflowing int32.
_NO_ARRIVAL = 1 << 29


@dataclass(frozen=True)
class PairScore:
    """One pair: feasible or not (and which hard constraints it breaks), score, breakdown.

    `breakdown` maps each criterion with a non-zero weight to its contribution; the values add
    up to `score`. `details` holds the facts behind them (shared languages and hobbies, age
    difference, days between arrival and the buddy's availability...) for the explanation.
    """

    feasible: bool
    score: int
    breakdown: Mapping[str, int]
    violations: tuple[str, ...]
    details: Mapping[str, Any]


@dataclass(frozen=True)
class ScoredEdges:
    """The feasible pairs as index arrays, grouped by incoming student (the solver's input)."""

    incoming: np.ndarray
    buddy: np.ndarray
    score: np.ndarray

    def __len__(self) -> int:
        return len(self.score)


def _scaled(count: int, full: int) -> int:
    return POINTS * min(count, full) // full


def _linear(distance: int, zero_at: int) -> int:
    """Full points at distance 0, falling to none at `zero_at`."""
    if zero_at <= 0:
        return POINTS if distance == 0 else 0
    return POINTS * max(0, zero_at - distance) // zero_at


def early_arrival_points(arrival: dt.date | None, policy: Policy, reference: dt.date) -> int:
    """Students arriving soon (or already here) earn more: when buddies are short, the
    highest total then serves the earliest arrivals first."""
    if arrival is None:
        return 0
    days = (arrival - reference).days
    return POINTS if days <= 0 else _linear(days, policy.arrival_horizon_days)


def experience_points(experience: int, policy: Policy) -> int:
    return _scaled(experience, policy.experience_for_full_points)


def days_outside(day: dt.date | None, start: dt.date | None, end: dt.date | None) -> int | None:
    """Days from `day` to the range [start, end] (open where None); None if day is unknown."""
    if day is None:
        return None
    if start is not None and day < start:
        return (start - day).days
    if end is not None and day > end:
        return (day - end).days
    return 0


def gender_preference_met(incoming: Incoming, buddy: Buddy) -> bool:
    """Either side asking for "same" needs both genders known and equal."""
    if incoming.gender_preference != "same" and buddy.gender_preference != "same":
        return True
    return incoming.gender is not None and incoming.gender == buddy.gender


def stays_overlap(incoming: Incoming, buddy: Buddy) -> bool:
    """The student's stay and the buddy's availability overlap (unknown ends are open)."""
    if incoming.arrival and buddy.available_until and incoming.arrival > buddy.available_until:
        return False
    return not (
        incoming.departure and buddy.available_from and incoming.departure < buddy.available_from
    )


def _counted_languages(languages: Mapping[str, int], policy: Policy) -> set[str]:
    if policy.min_language_level == 0:
        return set(languages)
    return {code for code, level in languages.items() if level >= policy.min_language_level}


def score_pair(
    incoming: Incoming, buddy: Buddy, policy: Policy, reference_date: dt.date
) -> PairScore:
    """Score one pair, with its breakdown, the facts behind it and the hard constraints it
    breaks (a pair made by hand may break some: the caller shows them as a warning)."""
    languages = sorted(
        _counted_languages(incoming.languages, policy) & _counted_languages(buddy.languages, policy)
    )
    hobbies = sorted(incoming.hobbies & buddy.hobbies)
    same_place = incoming.place_of_study is not None and (
        incoming.place_of_study == buddy.place_of_study
    )
    same_faculty = incoming.faculty is not None and incoming.faculty == buddy.faculty
    age_i, age_b = incoming.age_on(reference_date), buddy.age_on(reference_date)
    age_gap = abs(age_i - age_b) if age_i is not None and age_b is not None else None
    outside = days_outside(incoming.arrival, buddy.available_from, buddy.available_until)
    gender_ok = gender_preference_met(incoming, buddy)
    diverse = (
        incoming.nationality is not None
        and buddy.nationality is not None
        and incoming.nationality != buddy.nationality
    )
    points = {
        SHARED_LANGUAGES: _scaled(len(languages), policy.languages_for_full_points),
        SHARED_HOBBIES: _scaled(len(hobbies), policy.hobbies_for_full_points),
        SAME_PLACE_OF_STUDY: POINTS if same_place else 0,
        SAME_FACULTY: POINTS if same_faculty else 0,
        AGE_DIFFERENCE: 0 if age_gap is None else _linear(age_gap, policy.age_gap_years),
        ARRIVAL_IN_AVAILABILITY: (
            0 if outside is None else _linear(outside, policy.arrival_grace_days)
        ),
        GENDER_PREFERENCE: POINTS if gender_ok else 0,
        NATIONALITY_DIVERSITY: POINTS if diverse else 0,
        BUDDY_EXPERIENCE: experience_points(buddy.experience, policy),
        EARLY_ARRIVAL: early_arrival_points(incoming.arrival, policy, reference_date),
    }
    breakdown = {c: policy.weights[c] * points[c] for c in CRITERIA if policy.weights[c]}
    broken = {
        COMMON_LANGUAGE: not languages,
        GENDER_PREFERENCE: not gender_ok,
        DATES_OVERLAP: not stays_overlap(incoming, buddy),
        SAME_PLACE_OF_STUDY: not same_place,
    }
    violations = tuple(c for c in HARD_CONSTRAINTS if policy.is_hard(c) and broken[c])
    details = {
        "shared_languages": languages,
        "shared_hobbies": hobbies,
        "same_place_of_study": same_place,
        "same_faculty": same_faculty,
        "age_difference": age_gap,
        "days_outside_availability": outside,
        "days_until_arrival": (
            None if incoming.arrival is None else (incoming.arrival - reference_date).days
        ),
        "gender_preference_met": gender_ok,
        "different_nationality": diverse,
        "buddy_experience": buddy.experience,
    }
    return PairScore(
        feasible=not violations,
        score=sum(breakdown.values()),
        breakdown=breakdown,
        violations=violations,
        details=details,
    )


class _Codes:
    """Integer codes for the distinct values of one field; -1 for unknown."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def code(self, value: str | None) -> int:
        if value is None:
            return -1
        return self.index.setdefault(value, len(self.index))

    def array(self, values: Sequence[str | None]) -> np.ndarray:
        return np.array([self.code(v) for v in values], dtype=np.int32)


def _day(value: dt.date | None, default: int) -> int:
    return default if value is None else value.toordinal()


def _vocabulary_matrix(sets: Sequence[set[str] | frozenset[str]], codes: _Codes) -> np.ndarray:
    pairs = [(row, codes.code(v)) for row, values in enumerate(sets) for v in values]
    matrix = np.zeros((len(sets), 0), dtype=np.float32)
    if pairs:
        rows, cols = np.array(pairs).T
        matrix = np.zeros((len(sets), max(len(codes.index), 1)), dtype=np.float32)
        matrix[rows, cols] = 1
    return matrix


class _Side:
    """One side's profile fields as arrays (languages and hobbies as 0/1 matrices)."""

    def __init__(self, people: Sequence[Incoming] | Sequence[Buddy], reference: dt.date) -> None:
        self.ages = np.array(
            [-1 if (a := p.age_on(reference)) is None else a for p in people], dtype=np.int32
        )
        self.same_gender_only = np.array(
            [p.gender_preference == "same" for p in people], dtype=bool
        )


def score_edges(
    incoming: Sequence[Incoming],
    buddies: Sequence[Buddy],
    policy: Policy,
    reference_date: dt.date,
) -> ScoredEdges:
    """Every feasible pair and its score, vectorised over blocks of pairs.

    Equal to `score_pair` on every pair (the tests check it); orders of magnitude faster.
    """
    n, m = len(incoming), len(buddies)
    if n == 0 or m == 0:
        empty = np.zeros(0, dtype=np.int32)
        return ScoredEdges(empty, empty, empty)
    w = policy.weights
    ref = reference_date

    language_codes = _Codes()
    lang_i = _vocabulary_matrix(
        [_counted_languages(p.languages, policy) for p in incoming], language_codes
    )
    lang_b = _vocabulary_matrix(
        [_counted_languages(p.languages, policy) for p in buddies], language_codes
    )
    lang_i, lang_b = _same_width(lang_i, lang_b)
    hobby_codes = _Codes()
    hob_i = _vocabulary_matrix([p.hobbies for p in incoming], hobby_codes)
    hob_b = _vocabulary_matrix([p.hobbies for p in buddies], hobby_codes)
    hob_i, hob_b = _same_width(hob_i, hob_b)

    places, faculties, genders, nations = _Codes(), _Codes(), _Codes(), _Codes()
    place_i = places.array([p.place_of_study for p in incoming])
    place_b = places.array([p.place_of_study for p in buddies])
    fac_i = faculties.array([p.faculty for p in incoming])
    fac_b = faculties.array([p.faculty for p in buddies])
    gen_i = genders.array([p.gender for p in incoming])
    gen_b = genders.array([p.gender for p in buddies])
    nat_i = nations.array([p.nationality for p in incoming])
    nat_b = nations.array([p.nationality for p in buddies])
    side_i, side_b = _Side(incoming, ref), _Side(buddies, ref)

    arrival = np.array([_day(p.arrival, -_FAR) for p in incoming], dtype=np.int32)
    arrival_pts = np.array([_day(p.arrival, _NO_ARRIVAL) for p in incoming], dtype=np.int32)
    departure = np.array([_day(p.departure, _FAR) for p in incoming], dtype=np.int32)
    start = np.array([_day(b.available_from, -_FAR) for b in buddies], dtype=np.int32)
    end = np.array([_day(b.available_until, _FAR) for b in buddies], dtype=np.int32)

    # Terms that depend on one side only, computed with the same functions as score_pair.
    row_score = np.array(
        [w[EARLY_ARRIVAL] * early_arrival_points(p.arrival, policy, ref) for p in incoming],
        dtype=np.int32,
    )
    col_score = np.array(
        [w[BUDDY_EXPERIENCE] * experience_points(b.experience, policy) for b in buddies],
        dtype=np.int32,
    )

    hard = {c: policy.is_hard(c) for c in HARD_CONSTRAINTS}
    # Contributions (weight x points) looked up by count or distance, clipped to where the
    # points stop changing: no integer division over millions of pairs.
    lang_tab = _table(w[SHARED_LANGUAGES], policy.languages_for_full_points, _scaled)
    hob_tab = _table(w[SHARED_HOBBIES], policy.hobbies_for_full_points, _scaled)
    age_tab = _table(w[AGE_DIFFERENCE], policy.age_gap_years, _linear)
    arr_tab = _table(
        w[ARRIVAL_IN_AVAILABILITY],
        max(policy.arrival_grace_days, 1),
        _linear,
        policy.arrival_grace_days,
    )
    place_pts = np.int32(w[SAME_PLACE_OF_STUDY] * POINTS)
    fac_pts = np.int32(w[SAME_FACULTY] * POINTS)
    gender_pts = np.int32(w[GENDER_PREFERENCE] * POINTS)
    nat_pts = np.int32(w[NATIONALITY_DIVERSITY] * POINTS)
    block = max(1, _BLOCK_PAIRS // m)
    out_i, out_b, out_s = [], [], []
    for r0 in range(0, n, block):
        r1 = min(n, r0 + block)
        rows = slice(r0, r1)
        score = np.add(row_score[rows, None], col_score[None, :], dtype=np.int32)
        feasible = np.ones((r1 - r0, m), dtype=bool)

        shared = lang_i[rows] @ lang_b.T
        if w[SHARED_LANGUAGES]:
            score += _lookup(lang_tab, shared)
        if hard[COMMON_LANGUAGE]:
            feasible &= shared > 0
        if w[SHARED_HOBBIES]:
            score += _lookup(hob_tab, hob_i[rows] @ hob_b.T)

        if w[SAME_PLACE_OF_STUDY] or hard[SAME_PLACE_OF_STUDY]:
            same_place = (place_i[rows, None] == place_b[None, :]) & (place_i[rows, None] >= 0)
            score += same_place * place_pts
            if hard[SAME_PLACE_OF_STUDY]:
                feasible &= same_place
        if w[SAME_FACULTY]:
            same_fac = (fac_i[rows, None] == fac_b[None, :]) & (fac_i[rows, None] >= 0)
            score += same_fac * fac_pts

        if w[AGE_DIFFERENCE]:
            a_i, a_b = side_i.ages[rows, None], side_b.ages[None, :]
            gap = np.abs(a_i - a_b)
            # An unknown age on either side earns nothing: push the gap past the table.
            gap[np.broadcast_to(a_i < 0, gap.shape) | np.broadcast_to(a_b < 0, gap.shape)] = (
                len(age_tab) - 1
            )
            score += _lookup(age_tab, gap)

        if w[ARRIVAL_IN_AVAILABILITY]:
            day = arrival_pts[rows, None]
            outside = np.maximum(start[None, :] - day, 0)
            outside += np.maximum(day - end[None, :], 0)
            score += _lookup(arr_tab, outside)
        if hard[DATES_OVERLAP]:
            feasible &= arrival[rows, None] <= end[None, :]
            feasible &= departure[rows, None] >= start[None, :]

        if w[GENDER_PREFERENCE] or hard[GENDER_PREFERENCE]:
            asks = side_i.same_gender_only[rows, None] | side_b.same_gender_only[None, :]
            equal = (gen_i[rows, None] == gen_b[None, :]) & (gen_i[rows, None] >= 0)
            met = ~asks | equal
            score += met * gender_pts
            if hard[GENDER_PREFERENCE]:
                feasible &= met

        if w[NATIONALITY_DIVERSITY]:
            diverse = (nat_i[rows, None] != nat_b[None, :]) & (nat_i[rows, None] >= 0)
            diverse &= nat_b[None, :] >= 0
            score += diverse * nat_pts

        r, c = np.nonzero(feasible)
        out_i.append((r + r0).astype(np.int32))
        out_b.append(c.astype(np.int32))
        out_s.append(score[feasible])
    return ScoredEdges(np.concatenate(out_i), np.concatenate(out_b), np.concatenate(out_s))


def _same_width(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vocabulary matrices of the two sides with the same columns (codes are shared)."""
    width = max(a.shape[1], b.shape[1], 1)
    return (
        np.pad(a, ((0, 0), (0, width - a.shape[1]))),
        np.pad(b, ((0, 0), (0, width - b.shape[1]))),
    )


def _table(weight: int, clip: int, points, *args: int) -> np.ndarray:
    """weight x points(v) for v = 0..clip, where points(clip) is the value for anything more."""
    scale = args[0] if args else clip
    return np.array([weight * points(v, scale) for v in range(clip + 1)], dtype=np.int32)


def _lookup(table: np.ndarray, values: np.ndarray) -> np.ndarray:
    index = values.astype(np.int32, copy=False) if values.dtype != np.int32 else values
    return table[np.minimum(index, len(table) - 1, out=index if index is not values else None)]
