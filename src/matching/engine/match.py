"""Matching by ids: from profiles (scored here) or from precomputed edges, to explained pairs."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matching.engine.errors import ProblemError
from matching.engine.policy import Policy
from matching.engine.profiles import Buddy, Incoming
from matching.engine.scoring import PairScore, ScoredEdges, score_edges, score_pair
from matching.engine.solver import DEFAULT_KEEP, Assignment, Mode, solve_edges


@dataclass(frozen=True)
class Pair:
    """A suggested pair. `breakdown` is empty in edges mode (the score came precomputed)."""

    incoming: str
    buddy: str
    score: int
    breakdown: Mapping[str, int] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MatchResult:
    """The optimal assignment, in the order of the incoming students given.

    `seconds` is the time spent scoring (or converting the edges to index arrays) and
    solving; `solver_seconds` the solver's own clock within it. `unmatched` lists the students
    left waiting, in input order.
    """

    pairs: tuple[Pair, ...]
    optimal: bool
    seconds: float
    unmatched: tuple[str, ...] = ()
    solver_seconds: float = 0.0

    @property
    def matched(self) -> int:
        return len(self.pairs)

    @property
    def total_score(self) -> int:
        return sum(p.score for p in self.pairs)

    @property
    def lowest_score(self) -> int | None:
        return min((p.score for p in self.pairs), default=None)

    def to_json(self) -> dict[str, Any]:
        """The result as `python -m matching.engine solve` prints it."""
        return {
            "pairs": [
                {
                    "incoming": p.incoming,
                    "buddy": p.buddy,
                    "score": p.score,
                    "breakdown": dict(p.breakdown),
                }
                for p in self.pairs
            ],
            "matched": self.matched,
            "total_score": self.total_score,
            "optimal": self.optimal,
            "seconds": round(self.solver_seconds, 6),
            "match_seconds": round(self.seconds, 6),
        }


IdPair = tuple[str, str]


def match(
    incoming: Sequence[Incoming],
    buddies: Sequence[Buddy],
    policy: Policy | None = None,
    *,
    pinned: Iterable[IdPair] = (),
    forbidden: Iterable[IdPair] = (),
    mode: Mode = "flow",
    nationality_quota: int | None = None,
    reference_date: dt.date | None = None,
    keep: int | None = DEFAULT_KEEP,
    seed: int = 0,
    check_only: bool = False,
) -> MatchResult:
    """Score every pair of profiles, solve exactly, explain each suggested pair.

    Buddies' `capacity` is what they have left; with `nationality_quota` K, a buddy takes at
    most K students of one nationality, counting `assigned_nationalities`. `reference_date`
    (default: today) is the day ages and "arrives soon" are measured from. Pinned pairs must be
    feasible under the policy's hard constraints. `check_only` validates the problem and
    returns the pinned pairs alone. Raises ProblemError.
    """
    policy = policy or Policy()
    reference_date = reference_date or dt.date.today()
    inc_index = _index([p.id for p in incoming], "incoming student")
    bud_index = _index([b.id for b in buddies], "buddy")
    pins = _indices(pinned, inc_index, bud_index, "pinned")
    forbid = _indices(forbidden, inc_index, bud_index, "forbidden")
    started = time.perf_counter()
    pin_scores = []
    for i, b in pins:
        scored = score_pair(incoming[i], buddies[b], policy, reference_date)
        if not scored.feasible:
            raise ProblemError(
                f"pinned pair ({incoming[i].id!r}, {buddies[b].id!r}) breaks the hard "
                f"constraint {', '.join(scored.violations)}"
            )
        pin_scores.append(scored.score)
    if check_only:
        # The pins are the only edges a check needs; scoring every pair would be wasted.
        edges = ScoredEdges(
            np.array([i for i, _ in pins], dtype=np.int32),
            np.array([b for _, b in pins], dtype=np.int32),
            np.array(pin_scores, dtype=np.int32),
        )
    else:
        edges = score_edges(incoming, buddies, policy, reference_date)
    nationality, used = _nationalities(incoming, buddies, nationality_quota)
    assignment = solve_edges(
        len(incoming),
        [b.capacity for b in buddies],
        edges.incoming,
        edges.buddy,
        edges.score,
        pinned=pins,
        forbidden=forbid,
        mode=mode,
        nationality=nationality,
        nationality_quota=nationality_quota,
        quota_used=used,
        keep=keep,
        seed=seed,
        incoming_ids=[p.id for p in incoming],
        buddy_ids=[b.id for b in buddies],
        check_only=check_only,
    )
    pairs = []
    for i, b, score in _pairs(assignment):
        explained = score_pair(incoming[i], buddies[b], policy, reference_date)
        if explained.score != score:  # the two scorers disagree: a bug, never a silent one
            raise AssertionError(f"scorers disagree on ({incoming[i].id}, {buddies[b].id})")
        pairs.append(_pair(incoming[i].id, buddies[b].id, explained))
    return _result(assignment, pairs, [p.id for p in incoming], started)


def match_edges(
    incoming: Sequence[str],
    capacities: Mapping[str, int],
    edges: Iterable[tuple[str, str, int]],
    *,
    pinned: Iterable[IdPair] = (),
    forbidden: Iterable[IdPair] = (),
    mode: Mode = "flow",
    keep: int | None = DEFAULT_KEEP,
    seed: int = 0,
    check_only: bool = False,
) -> MatchResult:
    """Solve from precomputed scores: only the listed (incoming, buddy, score) are feasible."""
    inc_index = _index(list(incoming), "incoming student")
    buddy_ids = list(capacities)
    bud_index = _index(buddy_ids, "buddy")
    ei, eb, es = [], [], []
    seen: set[tuple[int, int]] = set()
    for i_id, b_id, score in edges:
        i = _lookup(inc_index, i_id, "an edge", "incoming student")
        b = _lookup(bud_index, b_id, "an edge", "buddy")
        if (i, b) in seen:
            raise ProblemError(f"edge ({i_id!r}, {b_id!r}) is listed twice")
        seen.add((i, b))
        ei.append(i)
        eb.append(b)
        es.append(score)
    pins = _indices(pinned, inc_index, bud_index, "pinned")
    forbid = _indices(forbidden, inc_index, bud_index, "forbidden")
    started = time.perf_counter()
    assignment = solve_edges(
        len(inc_index),
        list(capacities.values()),
        np.array(ei, dtype=np.int32),
        np.array(eb, dtype=np.int32),
        np.array(es, dtype=np.int64),
        pinned=pins,
        forbidden=forbid,
        mode=mode,
        keep=keep,
        seed=seed,
        incoming_ids=list(incoming),
        buddy_ids=buddy_ids,
        check_only=check_only,
    )
    pairs = [Pair(incoming[i], buddy_ids[b], s) for i, b, s in _pairs(assignment)]
    return _result(assignment, pairs, list(incoming), started)


def _pair(incoming: str, buddy: str, scored: PairScore) -> Pair:
    return Pair(incoming, buddy, scored.score, dict(scored.breakdown), dict(scored.details))


def _pairs(assignment: Assignment) -> Iterable[tuple[int, int, int]]:
    return zip(
        assignment.incoming.tolist(),
        assignment.buddy.tolist(),
        assignment.score.tolist(),
        strict=True,
    )


def _result(
    assignment: Assignment, pairs: list[Pair], incoming: list[str], started: float
) -> MatchResult:
    matched = set(assignment.incoming.tolist())
    return MatchResult(
        pairs=tuple(pairs),
        optimal=assignment.optimal,
        seconds=time.perf_counter() - started,
        unmatched=tuple(x for k, x in enumerate(incoming) if k not in matched),
        solver_seconds=float(assignment.stats["seconds"]),
    )


def _index(ids: list[str], what: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for k, ident in enumerate(ids):
        if not isinstance(ident, str) or not ident:
            raise ProblemError(f"every {what} needs a non-empty string id")
        if ident in index:
            raise ProblemError(f"{what} id {ident!r} appears twice")
        index[ident] = k
    return index


def _lookup(index: Mapping[str, int], ident: Any, where: str, what: str) -> int:
    if not isinstance(ident, str) or ident not in index:
        raise ProblemError(f"{where} names an unknown {what}: {ident!r}")
    return index[ident]


def _indices(
    pairs: Iterable[IdPair],
    inc_index: Mapping[str, int],
    bud_index: Mapping[str, int],
    what: str,
) -> list[tuple[int, int]]:
    out = []
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ProblemError(f"every {what} pair must be [incoming id, buddy id]")
        i_id, b_id = pair
        out.append(
            (
                _lookup(inc_index, i_id, f"a {what} pair", "incoming student"),
                _lookup(bud_index, b_id, f"a {what} pair", "buddy"),
            )
        )
    return out


def _nationalities(
    incoming: Sequence[Incoming], buddies: Sequence[Buddy], quota: int | None
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Nationality codes per student (-1: unknown) and, per buddy, the students already
    assigned of each nationality, for the quota."""
    if quota is None:
        return None, None
    codes: dict[str, int] = {}
    nationality = np.array(
        [
            -1 if p.nationality is None else codes.setdefault(p.nationality, len(codes))
            for p in incoming
        ],
        dtype=np.int32,
    )
    used = np.zeros((len(buddies), max(len(codes), 1)), dtype=np.int64)
    for b, buddy in enumerate(buddies):
        for nat, count in buddy.assigned_nationalities.items():
            if nat in codes:
                used[b, codes[nat]] = count
    return nationality, used
