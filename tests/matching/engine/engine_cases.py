"""Random assignment problems for the property tests, and the references they are checked against.

The conftest beside this file puts its folder on the path, so test modules import it by name.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment


@dataclass
class Instance:
    n: int
    caps: list[int]
    edges: dict[tuple[int, int], int]
    order: list[tuple[int, int]] = field(default_factory=list)
    pinned: list[tuple[int, int]] = field(default_factory=list)
    forbidden: list[tuple[int, int]] = field(default_factory=list)
    nationality: list[int] | None = None
    quota: int | None = None

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pairs = self.order or sorted(self.edges)
        ei = np.array([i for i, _ in pairs], dtype=np.int32)
        eb = np.array([b for _, b in pairs], dtype=np.int32)
        es = np.array([self.edges[p] for p in pairs], dtype=np.int64)
        return ei, eb, es

    def kwargs(self) -> dict:
        out: dict = {"pinned": self.pinned, "forbidden": self.forbidden}
        if self.quota is not None:
            out.update(nationality=self.nationality, nationality_quota=self.quota)
        return out


SMALL_SCORES = st.integers(-3, 12)


@st.composite
def instances(
    draw,
    max_n: int = 6,
    max_m: int = 3,
    max_cap: int = 2,
    scores: st.SearchStrategy[int] = SMALL_SCORES,
    density: float | None = None,
    extras: bool = True,
) -> Instance:
    n = draw(st.integers(0, max_n))
    m = draw(st.integers(0, max_m))
    caps = draw(st.lists(st.integers(0, max_cap), min_size=m, max_size=m))
    all_pairs = [(i, b) for i in range(n) for b in range(m)]
    if density is None:
        chosen = draw(st.sets(st.sampled_from(all_pairs))) if all_pairs else set()
    else:
        seed = draw(st.integers(0, 2**32 - 1))
        rng = np.random.default_rng(seed)
        chosen = {p for p in all_pairs if rng.random() < density}
        score_lo, score_hi = draw(st.sampled_from([(1, 5), (1, 60), (-20, 20)]))
        edges = {p: int(rng.integers(score_lo, score_hi + 1)) for p in sorted(chosen)}
    if density is None:
        edges = {p: draw(scores) for p in sorted(chosen)}
    order = sorted(edges)
    if draw(st.booleans()):
        order = draw(st.permutations(order))
    inst = Instance(n=n, caps=caps, edges=edges, order=list(order))
    if not extras or not edges:
        return inst
    if draw(st.booleans()):
        inst.nationality = draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n))
        inst.quota = draw(st.integers(1, 2))
    keys = sorted(edges)
    inst.forbidden = sorted(draw(st.sets(st.sampled_from(keys), max_size=3)))
    load = [0] * m
    nat_load: dict[tuple[int, int], int] = {}
    pinned_rows: set[int] = set()
    for i, b in draw(st.lists(st.sampled_from(keys), max_size=3)):
        nat = inst.nationality[i] if inst.nationality else -1
        if (i, b) in inst.forbidden or i in pinned_rows or load[b] >= caps[b]:
            continue
        if inst.quota is not None and nat >= 0 and nat_load.get((b, nat), 0) >= inst.quota:
            continue
        load[b] += 1
        nat_load[(b, nat)] = nat_load.get((b, nat), 0) + 1
        pinned_rows.add(i)
        inst.pinned.append((i, b))
    return inst


def brute_force(inst: Instance, fair: bool = False) -> tuple:
    """The best (matched, total) - or (matched, lowest, total) in fair mode - by enumeration."""
    forbidden = set(inst.forbidden)
    pins = dict(inst.pinned)
    options: list[list[tuple[int, int] | None]] = []
    for i in range(inst.n):
        if i in pins:
            options.append([(pins[i], inst.edges[(i, pins[i])])])
            continue
        row: list[tuple[int, int] | None] = [None]
        row += [(b, s) for (j, b), s in inst.edges.items() if j == i and (j, b) not in forbidden]
        options.append(row)
    best: tuple | None = None
    load = [0] * len(inst.caps)
    nat_load: dict[tuple[int, int], int] = {}
    picked: list[int] = []

    def visit(i: int) -> None:
        nonlocal best
        if i == inst.n:
            key = (len(picked), min(picked) if picked else math.inf, sum(picked))
            key = key if fair else (key[0], key[2])
            if best is None or key > best:
                best = key
            return
        for opt in options[i]:
            if opt is None:
                visit(i + 1)
                continue
            b, s = opt
            nat = inst.nationality[i] if inst.nationality else -1
            limited = inst.quota is not None and nat >= 0
            if load[b] >= inst.caps[b]:
                continue
            if limited and nat_load.get((b, nat), 0) >= inst.quota:
                continue
            load[b] += 1
            if limited:
                nat_load[(b, nat)] = nat_load.get((b, nat), 0) + 1
            picked.append(s)
            visit(i + 1)
            picked.pop()
            load[b] -= 1
            if limited:
                nat_load[(b, nat)] -= 1

    visit(0)
    return best


def scipy_reference(inst: Instance) -> tuple[int, int]:
    """(matched, total) from linear_sum_assignment on the capacity-expanded matrix.

    One column per unit of buddy capacity; a feasible pair weighs C + score, an infeasible one
    0 (assigning it means "unmatched"). C exceeds any difference of totals, so maximising the
    weight maximises the number matched first, then the total score.
    """
    slots = [b for b, c in enumerate(inst.caps) for _ in range(c)]
    if inst.n == 0 or not slots:
        return 0, 0
    top = max((abs(s) for s in inst.edges.values()), default=1)
    big = 2 * inst.n * top + 1
    # Shifting every feasible weight by `big` keeps negative scores above "unmatched".
    weight = np.zeros((inst.n, len(slots)))
    for col, b in enumerate(slots):
        for i in range(inst.n):
            if (i, b) in inst.edges:
                weight[i, col] = big + inst.edges[(i, b)]
    rows, cols = linear_sum_assignment(weight, maximize=True)
    values = weight[rows, cols]
    used = values > 0
    return int(used.sum()), int((values[used] - big).sum())


def check_valid(inst: Instance, incoming, buddy, score) -> None:
    """Every result respects capacity, forbidden pairs, pins, the edge list and the quota."""
    pairs = list(zip(incoming.tolist(), buddy.tolist(), strict=True))
    assert len({i for i, _ in pairs}) == len(pairs), "a student matched twice"
    for (i, b), s in zip(pairs, score.tolist(), strict=True):
        assert (i, b) in inst.edges, "a pair that is not an edge"
        assert inst.edges[(i, b)] == s, "a pair reported with the wrong score"
        assert (i, b) not in inst.forbidden, "a forbidden pair"
    for b, cap in enumerate(inst.caps):
        assert sum(1 for _, x in pairs if x == b) <= cap, "over capacity"
    assert set(inst.pinned) <= set(pairs), "a pinned pair was dropped"
    if inst.quota is not None:
        counts: dict[tuple[int, int], int] = {}
        for i, b in pairs:
            nat = inst.nationality[i]
            if nat >= 0:
                counts[(b, nat)] = counts.get((b, nat), 0) + 1
        assert max(counts.values(), default=0) <= inst.quota, "nationality quota exceeded"


# -- profiles ---------------------------------------------------------------------------------

LANGUAGES = ["en", "fr", "es", "de"]
LEVELS = [None, "A2", "B1", "C1", "native", 4]
DAY0 = dt.date(2025, 7, 1)


def _dates(draw) -> tuple[dt.date | None, dt.date | None]:
    start = draw(st.one_of(st.none(), st.integers(0, 120)))
    length = draw(st.one_of(st.none(), st.integers(0, 150)))
    first = None if start is None else DAY0 + dt.timedelta(days=start)
    last = None
    if length is not None:
        last = (first or DAY0) + dt.timedelta(days=length)
    return first, last


def _person(draw, ident: str) -> dict:
    return dict(
        id=ident,
        languages=draw(st.dictionaries(st.sampled_from(LANGUAGES), st.sampled_from(LEVELS))),
        hobbies=draw(st.lists(st.sampled_from(["Football", "hiking", "chess", "music"]))),
        place_of_study=draw(st.sampled_from([None, "Lille 1", "lille 1 ", "Sciences Po"])),
        faculty=draw(st.sampled_from([None, "law", "Law", "medicine"])),
        gender=draw(st.sampled_from([None, "female", "male", "non-binary"])),
        gender_preference=draw(st.sampled_from(["any", "any", "same"])),
        nationality=draw(st.sampled_from([None, "ES", "FR", "DE"])),
        **draw(
            st.sampled_from([{}, {"age": 21}, {"age": 27}])
            | st.builds(
                lambda d: {"birth_date": DAY0 - dt.timedelta(days=d)},
                st.integers(17 * 365, 30 * 365),
            )
        ),
    )


@dataclass
class ProfilesProblem:
    incoming: list
    buddies: list
    policy: object


@st.composite
def policies(draw):
    from matching.engine.policy import CRITERIA, HARD_CONSTRAINTS, Policy

    return Policy(
        weights=draw(
            st.fixed_dictionaries({}, optional={c: st.integers(0, 100) for c in CRITERIA})
        ),
        hard_constraints=draw(
            st.fixed_dictionaries({}, optional={c: st.booleans() for c in HARD_CONSTRAINTS})
        ),
        min_language_level=draw(st.sampled_from([0, 0, 3])),
        age_gap_years=draw(st.integers(1, 12)),
        arrival_grace_days=draw(st.integers(0, 30)),
        arrival_horizon_days=draw(st.integers(1, 90)),
    )


@st.composite
def profiles_problems(draw, max_n: int = 6, max_m: int = 4) -> ProfilesProblem:
    from matching.engine.profiles import Buddy, Incoming

    n = draw(st.integers(0, max_n))
    m = draw(st.integers(0, max_m))
    incoming = []
    for k in range(n):
        arrival, departure = _dates(draw)
        incoming.append(Incoming(**_person(draw, f"i{k}"), arrival=arrival, departure=departure))
    buddies = []
    for k in range(m):
        start, end = _dates(draw)
        buddies.append(
            Buddy(
                **_person(draw, f"b{k}"),
                available_from=start,
                available_until=end,
                capacity=draw(st.integers(0, 2)),
                experience=draw(st.integers(0, 5)),
            )
        )
    return ProfilesProblem(incoming, buddies, draw(policies()))
