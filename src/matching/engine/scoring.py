"""Scores and hard constraints of (incoming student, buddy) pairs.

Two implementations of the same integer arithmetic: `score_pair` in plain Python, for one pair
with its breakdown and the facts behind it, and `score_edges`, numpy over whole blocks of
pairs, for the solver. Property tests keep them equal. Each criterion earns 0-100 points; a
pair's score is the sum over criteria of weight x points, so the breakdown adds up exactly.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
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
# Criteria whose distinct values on the two sides fit a table of at most this many cells are
# computed once per pair of distinct values, and then looked up: one gather per pair.
_TABLE_CELLS = 1 << 20
# Added to the score of a pair that breaks a hard constraint. Scores are below 2**17 (ten
# criteria of at most 100 x 100), so a pair is feasible exactly when its score is >= 0.
_INFEASIBLE = -(1 << 26)
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


@dataclass
class _Criterion:
    """A part of the score (hard constraint included) that depends on one key per side: two
    students with equal `key_i` score alike with every buddy, and likewise for buddies.
    `value(I, B)` gives the contributions for index arrays I (a column) and B (a row)."""

    key_i: np.ndarray
    key_b: np.ndarray
    value: Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class _Group:
    """Criteria scored together: from a table over their joint keys, or pair by pair (`table`
    None) when the keys have too many distinct values for one."""

    criteria: list[_Criterion]
    code_i: np.ndarray
    code_b: np.ndarray
    cells: int
    table: np.ndarray | None = None

    @classmethod
    def of(cls, criteria: list[_Criterion]) -> _Group:
        code_i = _codes(*(c.key_i for c in criteria))
        code_b = _codes(*(c.key_b for c in criteria))
        return cls(criteria, code_i, code_b, (int(code_i.max()) + 1) * (int(code_b.max()) + 1))

    def tabulate(self) -> None:
        """The table: each criterion evaluated once per pair of distinct keys."""
        self.table = _evaluate(
            self.criteria, _first_of_each(self.code_i)[:, None], _first_of_each(self.code_b)
        )


def _codes(*columns: np.ndarray) -> np.ndarray:
    """Dense codes 0..K-1 of the rows of the given columns: equal rows, equal codes."""
    stacked = np.column_stack([c.reshape(len(c), -1) for c in columns])
    if stacked.dtype != np.uint64:
        # One integer per row, in mixed radix, when it fits: a 1-D unique is much faster.
        low = stacked.min(axis=0).astype(np.int64)
        spans = [int(x) for x in stacked.max(axis=0).astype(np.int64) - low + 1]
        if math.prod(spans) < 2**62:
            key = np.zeros(len(stacked), dtype=np.int64)
            for column, span in enumerate(spans):
                key *= span
                key += stacked[:, column].astype(np.int64) - low[column]
            return np.unique(key, return_inverse=True)[1].astype(np.intp)
    return np.unique(stacked, axis=0, return_inverse=True)[1].reshape(-1).astype(np.intp)


def _first_of_each(codes: np.ndarray) -> np.ndarray:
    """The first index holding each code."""
    first = np.zeros(int(codes.max()) + 1, dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return first


def _evaluate(criteria: list[_Criterion], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    total = np.zeros((len(rows), len(cols)), dtype=np.int32)
    for criterion in criteria:
        total += criterion.value(rows, cols)
    return total


def _groups(criteria: list[_Criterion]) -> list[_Group]:
    """Criteria merged, in order, while their joint table stays small enough."""
    groups: list[_Group] = []
    for criterion in criteria:
        if groups and groups[-1].cells <= _TABLE_CELLS:
            merged = _Group.of([*groups[-1].criteria, criterion])
            if merged.cells <= _TABLE_CELLS:
                groups[-1] = merged
                continue
        groups.append(_Group.of([criterion]))
    for group in groups:
        if group.cells <= _TABLE_CELLS:
            group.tabulate()
    return groups


def score_edges(
    incoming: Sequence[Incoming],
    buddies: Sequence[Buddy],
    policy: Policy,
    reference_date: dt.date,
) -> ScoredEdges:
    """Every feasible pair and its score, vectorised over blocks of pairs.

    Equal to `score_pair` on every pair (the tests check it); orders of magnitude faster.
    Each criterion depends on a few fields per side; those with few distinct values are
    scored once per pair of distinct values and looked up, the others pair by pair. A hard
    constraint broken adds _INFEASIBLE, so the feasible pairs are those scoring >= 0.
    """
    n, m = len(incoming), len(buddies)
    if n == 0 or m == 0:
        empty = np.zeros(0, dtype=np.int32)
        return ScoredEdges(empty, empty, empty)
    ref = reference_date
    # Terms that depend on one side only, computed with the same functions as score_pair.
    w = policy.weights
    row_score = np.array(
        [w[EARLY_ARRIVAL] * early_arrival_points(p.arrival, policy, ref) for p in incoming],
        dtype=np.int32,
    )
    col_score = np.array(
        [w[BUDDY_EXPERIENCE] * experience_points(b.experience, policy) for b in buddies],
        dtype=np.int32,
    )
    criteria = _criteria(incoming, buddies, policy, ref)
    if n * m > _TABLE_CELLS:
        groups = _groups(criteria)
    else:
        # Too few pairs for the tables to pay: everything pair by pair.
        groups = [_Group(criteria, np.zeros(0, np.intp), np.zeros(0, np.intp), cells=0)]
    every_buddy = np.arange(m)
    block = max(1, _BLOCK_PAIRS // m)
    out = _Edges()
    for r0 in range(0, n, block):
        r1 = min(n, r0 + block)
        score = np.add(row_score[r0:r1, None], col_score[None, :], dtype=np.int32)
        for group in groups:
            if group.table is not None:
                score += np.take(group.table[group.code_i[r0:r1]], group.code_b, axis=1)
            else:
                score += _evaluate(group.criteria, np.arange(r0, r1)[:, None], every_buddy)
        feasible = np.flatnonzero(score >= 0)
        per_row = np.diff(np.searchsorted(feasible, np.arange(0, (r1 - r0 + 1) * m, m)))
        i, b, s = out.reserve(len(feasible), expected=(out.size + len(feasible)) * n // r1)
        i[:] = np.repeat(np.arange(r0, r1, dtype=np.int32), per_row)
        b[:] = feasible
        b -= np.repeat(np.arange(0, (r1 - r0) * m, m, dtype=np.int32), per_row)
        np.take(score.reshape(-1), feasible, out=s)
    return ScoredEdges(*out.arrays())


class _Edges:
    """Three int32 arrays filled block by block, in memory reserved ahead (from the density
    so far) rather than concatenated at the end: half the memory written."""

    def __init__(self) -> None:
        self.size = 0
        self.data = np.zeros((3, 0), dtype=np.int32)

    def reserve(self, count: int, expected: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.size + count > self.data.shape[1]:
            grown = np.empty((3, max(self.size + count, expected + expected // 8)), np.int32)
            grown[:, : self.size] = self.data[:, : self.size]
            self.data = grown
        start, self.size = self.size, self.size + count
        i, b, s = self.data[:, start : self.size]
        return i, b, s

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        i, b, s = self.data[:, : self.size]
        return i, b, s


def _criteria(
    incoming: Sequence[Incoming], buddies: Sequence[Buddy], policy: Policy, ref: dt.date
) -> list[_Criterion]:
    """The pairwise criteria the policy weighs or makes hard, those with fewest values first.

    Each `value` takes a column of student indices and a row of buddy indices.
    """
    w = policy.weights
    hard = {c: policy.is_hard(c) for c in HARD_CONSTRAINTS}
    out: list[_Criterion] = []

    if w[SAME_PLACE_OF_STUDY] or hard[SAME_PLACE_OF_STUDY]:
        places = _Codes()
        place_i = places.array([p.place_of_study for p in incoming])
        place_b = places.array([p.place_of_study for p in buddies])
        place_pts = np.int32(w[SAME_PLACE_OF_STUDY] * POINTS)
        elsewhere = np.int32(_INFEASIBLE if hard[SAME_PLACE_OF_STUDY] else 0)

        def same_place(i: np.ndarray, b: np.ndarray) -> np.ndarray:
            same = (place_i[i] == place_b[b]) & (place_i[i] >= 0)
            return np.where(same, place_pts, elsewhere)

        out.append(_Criterion(place_i, place_b, same_place))

    if w[SAME_FACULTY]:
        faculties = _Codes()
        fac_i = faculties.array([p.faculty for p in incoming])
        fac_b = faculties.array([p.faculty for p in buddies])
        fac_pts = np.int32(w[SAME_FACULTY] * POINTS)

        def same_faculty(i: np.ndarray, b: np.ndarray) -> np.ndarray:
            same = (fac_i[i] == fac_b[b]) & (fac_i[i] >= 0)
            return np.where(same, fac_pts, np.int32(0))

        out.append(_Criterion(fac_i, fac_b, same_faculty))

    if w[GENDER_PREFERENCE] or hard[GENDER_PREFERENCE]:
        genders = _Codes()
        gen_i = genders.array([p.gender for p in incoming])
        gen_b = genders.array([p.gender for p in buddies])
        only_i = np.array([p.gender_preference == "same" for p in incoming], dtype=bool)
        only_b = np.array([p.gender_preference == "same" for p in buddies], dtype=bool)
        gender_pts = np.int32(w[GENDER_PREFERENCE] * POINTS)
        unmet = np.int32(_INFEASIBLE if hard[GENDER_PREFERENCE] else 0)

        def gender(i: np.ndarray, b: np.ndarray) -> np.ndarray:
            equal = (gen_i[i] == gen_b[b]) & (gen_i[i] >= 0)
            met = ~(only_i[i] | only_b[b]) | equal
            return np.where(met, gender_pts, unmet)

        out.append(_Criterion(gen_i * 2 + only_i, gen_b * 2 + only_b, gender))

    if w[NATIONALITY_DIVERSITY]:
        nations = _Codes()
        nat_i = nations.array([p.nationality for p in incoming])
        nat_b = nations.array([p.nationality for p in buddies])
        nat_pts = np.int32(w[NATIONALITY_DIVERSITY] * POINTS)

        def diversity(i: np.ndarray, b: np.ndarray) -> np.ndarray:
            diverse = (nat_i[i] != nat_b[b]) & (nat_i[i] >= 0) & (nat_b[b] >= 0)
            return np.where(diverse, nat_pts, np.int32(0))

        out.append(_Criterion(nat_i, nat_b, diversity))

    if w[AGE_DIFFERENCE]:
        age_i = _ages(incoming, ref)
        age_b = _ages(buddies, ref)
        age_tab = _table(w[AGE_DIFFERENCE], policy.age_gap_years, _linear)

        def age(i: np.ndarray, b: np.ndarray) -> np.ndarray:
            a_i, a_b = age_i[i], age_b[b]
            gap = np.minimum(np.abs(a_i - a_b), len(age_tab) - 1)
            # An unknown age on either side earns nothing: the gap past the table.
            gap[np.broadcast_to((a_i < 0) | (a_b < 0), gap.shape)] = len(age_tab) - 1
            return age_tab[gap]

        out.append(_Criterion(age_i, age_b, age))

    if w[SHARED_LANGUAGES] or hard[COMMON_LANGUAGE]:
        out.append(
            _shared_criterion(
                [_counted_languages(p.languages, policy) for p in incoming],
                [_counted_languages(p.languages, policy) for p in buddies],
                _table(w[SHARED_LANGUAGES], policy.languages_for_full_points, _scaled),
                hard[COMMON_LANGUAGE],
            )
        )

    if w[ARRIVAL_IN_AVAILABILITY] or hard[DATES_OVERLAP]:
        out.append(_dates_criterion(incoming, buddies, policy, hard[DATES_OVERLAP]))

    if w[SHARED_HOBBIES]:
        out.append(
            _shared_criterion(
                [p.hobbies for p in incoming],
                [p.hobbies for p in buddies],
                _table(w[SHARED_HOBBIES], policy.hobbies_for_full_points, _scaled),
                False,
            )
        )
    return out


def _ages(people: Sequence[Incoming] | Sequence[Buddy], ref: dt.date) -> np.ndarray:
    return np.array([-1 if (a := p.age_on(ref)) is None else a for p in people], dtype=np.int32)


def _dates_criterion(
    incoming: Sequence[Incoming], buddies: Sequence[Buddy], policy: Policy, hard: bool
) -> _Criterion:
    """Arrival within the buddy's availability, and (hard) the stay overlapping it."""
    arrival = np.array([_day(p.arrival, -_FAR) for p in incoming], dtype=np.int32)
    arrival_pts = np.array([_day(p.arrival, _NO_ARRIVAL) for p in incoming], dtype=np.int32)
    departure = np.array([_day(p.departure, _FAR) for p in incoming], dtype=np.int32)
    start = np.array([_day(b.available_from, -_FAR) for b in buddies], dtype=np.int32)
    end = np.array([_day(b.available_until, _FAR) for b in buddies], dtype=np.int32)
    weight = policy.weights[ARRIVAL_IN_AVAILABILITY]
    arr_tab = _table(weight, max(policy.arrival_grace_days, 1), _linear, policy.arrival_grace_days)

    def dates(i: np.ndarray, b: np.ndarray) -> np.ndarray:
        day = arrival_pts[i]
        outside = np.maximum(start[b] - day, 0)
        outside += np.maximum(day - end[b], 0)
        value = arr_tab[np.minimum(outside, len(arr_tab) - 1)]
        if hard:
            value[(arrival[i] > end[b]) | (departure[i] < start[b])] += np.int32(_INFEASIBLE)
        return value

    return _Criterion(
        np.column_stack([arrival, arrival_pts, departure]), np.column_stack([start, end]), dates
    )


def _shared_criterion(
    sets_i: Sequence[set[str] | frozenset[str]],
    sets_b: Sequence[set[str] | frozenset[str]],
    table: np.ndarray,
    hard: bool,
) -> _Criterion:
    """Points by the number of shared elements (languages, hobbies), from `table` (its last
    entry for anything more); with `hard`, sharing none is infeasible. The sets are bit
    masks, so a pair's count is a population count of their AND."""
    index = {value: code for code, value in enumerate(sorted(set().union(*sets_i, *sets_b)))}
    width = len(index)
    words_i = _bit_masks([sum(1 << index[v] for v in values) for values in sets_i], width)
    words_b = _bit_masks([sum(1 << index[v] for v in values) for values in sets_b], width)
    # Indexed by the count itself, up to the largest possible one.
    points = table[np.minimum(np.arange(width + 1), len(table) - 1)]
    if hard:
        points[0] += np.int32(_INFEASIBLE)

    def shared(i: np.ndarray, b: np.ndarray) -> np.ndarray:
        mask_i, mask_b = words_i[i[:, 0]][:, None], words_b[b][None, :]
        count = np.bitwise_count(mask_i[..., 0] & mask_b[..., 0])
        for word in range(1, words_i.shape[1]):
            count += np.bitwise_count(mask_i[..., word] & mask_b[..., word])
        return points[count]

    return _Criterion(words_i, words_b, shared)


def _bit_masks(masks: list[int], width: int) -> np.ndarray:
    """Bit masks (Python integers of `width` bits) as rows of unsigned words, of the narrowest
    type that holds `width` bits (64-bit words beyond)."""
    dtype, bits = np.uint64, 64
    for narrow, size in ((np.uint8, 8), (np.uint16, 16), (np.uint32, 32)):
        if width <= size:
            dtype, bits = narrow, size
            break
    n_words = max(1, -(-width // bits))
    if n_words == 1:
        return np.array(masks, dtype=dtype).reshape(len(masks), 1)
    full = (1 << bits) - 1
    return np.array(
        [[(mask >> (bits * word)) & full for word in range(n_words)] for mask in masks],
        dtype=dtype,
    ).reshape(len(masks), n_words)


def _table(weight: int, clip: int, points, *args: int) -> np.ndarray:
    """weight x points(v) for v = 0..clip, where points(clip) is the value for anything more."""
    scale = args[0] if args else clip
    return np.array([weight * points(v, scale) for v in range(clip + 1)], dtype=np.int32)
