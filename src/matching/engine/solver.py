"""Exact assignment of incoming students to buddies on a sparse graph of feasible pairs.

Objective, lexicographic: first the number of incoming students matched, then the total score
(in fair mode: the number matched, then the lowest pair score, then the total). Each buddy
takes at most its capacity, each student at most one buddy, and optionally each buddy at most
K students of one nationality.

The model is a flow network, source -> student -> [buddy, nationality] -> buddy -> sink, solved
by OR-Tools' max flow with min cost (cost = -score): the maximum flow is the largest matching
and its minimum cost the best total, exactly, with no big constant on the arcs.

Prune and certify: on large graphs the solver keeps each student's best `keep` edges, solves
that small graph, then proves the answer optimal for the whole graph with node prices from the
residual graph. Lexicographic (matched, score) is the weight score + C on every edge, for a C
larger than any difference of totals; the kept solution is optimal for those weights on the kept
graph, so its residual graph has no negative cycle and Bellman-Ford from a virtual root (a
zero-cost arc to every node) gives prices with no negative reduced cost. A left-out edge whose
reduced cost is negative under those prices is a violator; each student's few most violating
edges (and some that nearly violate) are added and the small graph solved again. When none is
left, the prices are a dual certificate on the whole graph and the assignment is optimal there.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from ortools.graph.python import min_cost_flow

from matching.engine.errors import ProblemError

Mode = Literal["flow", "fair"]
MODES: tuple[str, ...] = ("flow", "fair")

# Each student's best edges kept in the first round. On the bench instances 8 to 10 were
# fastest; fewer edges meant a second round, more a slower first solve.
DEFAULT_KEEP = 10
# Pruning pays only on graphs this large and this much denser than the kept edges.
_PRUNE_MIN_EDGES = 20_000
_PRUNE_MIN_RATIO = 2
# Edges examined at a time when checking reduced costs: temporaries that stay in cache.
_CHUNK = 1 << 15
_MAX_ROUNDS = 30
# Edges added per student and round: the most violating ones; twice as many each round after
# _ADD_ROUNDS.
_ADD = 5
_ADD_ROUNDS = 4
# Edges that come within this quantile of the buddies' positive prices of violating them are
# added too, so that the next prices, a little higher, do not call for another round.
_MARGIN_QUANTILE = 0.1
# Score histogram bins when choosing each student's best edges: at most 2**_BIN_BITS.
_BIN_BITS = 8
_NEG_INF = np.int64(-(1 << 62))
_INF = np.int64(1 << 62)


@dataclass(frozen=True)
class Assignment:
    """The pairs chosen, as parallel arrays of indices into the problem's students and buddies.

    `optimal` is True when the assignment is proven optimal on the whole graph (always, unless
    a caller-imposed limit stopped the search). The other fields describe the work done.
    """

    incoming: np.ndarray
    buddy: np.ndarray
    score: np.ndarray
    optimal: bool
    rounds: int = 0
    edges_solved: int = 0
    threshold: int | None = None
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def matched(self) -> int:
        return len(self.incoming)

    @property
    def total_score(self) -> int:
        return int(self.score.sum(dtype=np.int64))

    @property
    def lowest_score(self) -> int | None:
        return int(self.score.min()) if len(self.score) else None


@dataclass
class _Quota:
    """At most `remaining[b, n]` more students of nationality n for buddy b."""

    nationality: np.ndarray  # per student, -1 when unknown (never limited)
    remaining: np.ndarray  # [buddies, nationalities], int64


def solve_edges(
    n_incoming: int,
    capacities: Sequence[int] | np.ndarray,
    edge_incoming: Sequence[int] | np.ndarray,
    edge_buddy: Sequence[int] | np.ndarray,
    edge_score: Sequence[int] | np.ndarray,
    *,
    pinned: Iterable[tuple[int, int]] = (),
    forbidden: Iterable[tuple[int, int]] = (),
    mode: Mode = "flow",
    nationality: Sequence[int] | np.ndarray | None = None,
    nationality_quota: int | None = None,
    quota_used: np.ndarray | None = None,
    keep: int | None = DEFAULT_KEEP,
    seed: int = 0,
    incoming_ids: Sequence[str] | None = None,
    buddy_ids: Sequence[str] | None = None,
    check_only: bool = False,
) -> Assignment:
    """Solve an assignment given by index arrays; the core every other entry point uses.

    Edges are (student index, buddy index, integer score); only listed pairs are feasible.
    Edges grouped by student (student indices non-decreasing) skip a sort. `pinned` pairs must
    be edges and are kept; `forbidden` pairs are dropped. With `nationality_quota` K, each
    student's `nationality` (an integer code, -1 = unknown and unlimited) counts against K per
    buddy, after `quota_used[b, n]` students already assigned outside this problem.
    `keep=None` solves the whole graph in one go (no pruning). `incoming_ids` and `buddy_ids`
    only name students and buddies in error messages. `check_only` validates the problem and
    returns the pinned pairs alone. Raises ProblemError.
    """
    started = time.perf_counter()
    if mode not in MODES:
        raise ProblemError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    cap = np.asarray(capacities, dtype=np.int64)
    m = len(cap)
    if n_incoming < 0:
        raise ProblemError("the number of incoming students cannot be negative")
    names = _Names(incoming_ids, buddy_ids)
    if m and cap.min() < 0:
        raise ProblemError(f"buddy {names.b(int(np.argmin(cap)))} has a negative capacity")
    ei = np.asarray(edge_incoming, dtype=np.int32)
    eb = np.asarray(edge_buddy, dtype=np.int32)
    es = _scores(edge_score)
    if not (ei.ndim == eb.ndim == es.ndim == 1 and len(ei) == len(eb) == len(es)):
        raise ProblemError("edge arrays must be one-dimensional and of the same length")
    if len(ei):
        if ei.min() < 0 or ei.max() >= n_incoming:
            raise ProblemError("an edge names an incoming student index out of range")
        if eb.min() < 0 or eb.max() >= m:
            raise ProblemError("an edge names a buddy index out of range")

    quota = _quota(n_incoming, m, nationality, nationality_quota, quota_used)
    pins = _unique_pairs(pinned, n_incoming, m, "pinned")
    forbid = _unique_pairs(forbidden, n_incoming, m, "forbidden")

    pin_i, pin_b, pin_s = _apply_pins(pins, forbid, ei, eb, es, cap, quota, n_incoming, names)
    if check_only:
        ei = eb = es = ei[:0]
    elif pins or forbid:
        ei, eb, es = _drop_edges(ei, eb, es, pin_i, forbid, n_incoming)

    if len(ei) > 1 and not bool(np.all(ei[1:] >= ei[:-1])):
        # The solver works on edges grouped by student.
        order = np.argsort(ei, kind="stable")
        ei, eb, es = ei[order], eb[order], es[order]
    rng = np.random.default_rng(seed)
    solver = _Solver(n_incoming, cap, ei, eb, es, quota, keep, rng)
    if mode == "flow":
        rest = solver.solve(None)
    else:
        rest = _fair(solver, int(pin_s.min()) if len(pin_s) else None)

    inc = np.concatenate([pin_i, ei[rest.edges]]).astype(np.int32)
    bud = np.concatenate([pin_b, eb[rest.edges]]).astype(np.int32)
    sco = np.concatenate([pin_s, es[rest.edges]]).astype(np.int64)
    order = np.argsort(inc, kind="stable")
    stats = dict(solver.stats, seconds=time.perf_counter() - started)
    return Assignment(
        incoming=inc[order],
        buddy=bud[order],
        score=sco[order],
        optimal=rest.optimal,
        rounds=solver.rounds,
        edges_solved=rest.edges_solved,
        threshold=rest.threshold,
        stats=stats,
    )


class _Names:
    """Students and buddies as error messages name them: by id when known, else by index."""

    def __init__(self, incoming: Sequence[str] | None, buddies: Sequence[str] | None) -> None:
        self.incoming, self.buddies = incoming, buddies

    def i(self, index: int) -> str:
        return repr(self.incoming[index]) if self.incoming is not None else str(index)

    def b(self, index: int) -> str:
        return repr(self.buddies[index]) if self.buddies is not None else str(index)

    def pair(self, i: int, b: int) -> str:
        return f"({self.i(i)}, {self.b(b)})"


def _scores(values: Sequence[int] | np.ndarray) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.array_equal(arr, np.round(arr)):
            raise ProblemError("edge scores must be integers")
    elif arr.dtype.kind not in "iub" and len(arr):
        raise ProblemError("edge scores must be integers")
    if len(arr) and (arr.min() < -(2**31) + 1 or arr.max() > 2**31 - 1):
        raise ProblemError("edge scores must fit in 32 bits")
    return arr.astype(np.int32, copy=False)


def _quota(
    n: int,
    m: int,
    nationality: Sequence[int] | np.ndarray | None,
    k: int | None,
    used: np.ndarray | None,
) -> _Quota | None:
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ProblemError("nationality_quota must be a whole number of at least 1")
    if nationality is None:
        raise ProblemError("nationality_quota needs the students' nationalities")
    nat = np.asarray(nationality, dtype=np.int32)
    if nat.shape != (n,):
        raise ProblemError("one nationality code per incoming student is needed")
    n_nat = int(nat.max()) + 1 if n else 0
    remaining = np.full((m, max(n_nat, 1)), int(k), dtype=np.int64)
    if used is not None:
        used = np.asarray(used, dtype=np.int64)
        if used.ndim != 2 or used.shape[0] != m:
            raise ProblemError("quota_used must have one row per buddy")
        cols = min(used.shape[1], remaining.shape[1])
        remaining[:, :cols] -= used[:, :cols]
    return _Quota(nationality=nat, remaining=remaining)


def _unique_pairs(
    pairs: Iterable[tuple[int, int]], n: int, m: int, what: str
) -> dict[tuple[int, int], None]:
    out: dict[tuple[int, int], None] = {}
    for i, b in pairs:
        if not (0 <= i < n and 0 <= b < m):
            raise ProblemError(f"a {what} pair names an unknown student or buddy: ({i}, {b})")
        out[(int(i), int(b))] = None
    return out


def _apply_pins(
    pins: dict[tuple[int, int], None],
    forbid: dict[tuple[int, int], None],
    ei: np.ndarray,
    eb: np.ndarray,
    es: np.ndarray,
    cap: np.ndarray,
    quota: _Quota | None,
    n: int,
    names: _Names,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fix the pinned pairs: checks them, takes their capacity and quota (in place)."""
    if not pins:
        empty = np.zeros(0, dtype=np.int64)
        return empty.astype(np.int32), empty.astype(np.int32), empty
    seen: set[int] = set()
    for i, b in pins:
        if (i, b) in forbid:
            raise ProblemError(f"pinned pair {names.pair(i, b)} is also forbidden")
        if i in seen:
            raise ProblemError(f"incoming student {names.i(i)} is pinned to more than one buddy")
        seen.add(i)
    rows = np.zeros(n, dtype=bool)
    rows[[i for i, _ in pins]] = True
    idx = np.flatnonzero(rows[ei])
    score: dict[tuple[int, int], int] = {}
    for e in idx.tolist():
        key = (int(ei[e]), int(eb[e]))
        if key in pins:
            score[key] = max(score.get(key, -(2**31)), int(es[e]))
    pin_i, pin_b, pin_s = [], [], []
    for i, b in pins:
        if (i, b) not in score:
            raise ProblemError(f"pinned pair {names.pair(i, b)} is not a feasible pair")
        pin_i.append(i)
        pin_b.append(b)
        pin_s.append(score[(i, b)])
        cap[b] -= 1
        if cap[b] < 0:
            raise ProblemError(f"buddy {names.b(b)} has more pinned students than capacity")
        if quota is not None and quota.nationality[i] >= 0:
            quota.remaining[b, quota.nationality[i]] -= 1
            if quota.remaining[b, quota.nationality[i]] < 0:
                raise ProblemError(f"pins to buddy {names.b(b)} exceed the nationality quota")
    return (
        np.array(pin_i, dtype=np.int32),
        np.array(pin_b, dtype=np.int32),
        np.array(pin_s, dtype=np.int64),
    )


def _drop_edges(
    ei: np.ndarray,
    eb: np.ndarray,
    es: np.ndarray,
    pin_i: np.ndarray,
    forbid: dict[tuple[int, int], None],
    n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges of pinned students and forbidden edges leave the graph."""
    keep = np.ones(len(ei), dtype=bool)
    pinned_rows = np.zeros(n, dtype=bool)
    pinned_rows[pin_i] = True
    keep &= ~pinned_rows[ei]
    if forbid:
        rows = np.zeros(n, dtype=bool)
        rows[[i for i, _ in forbid]] = True
        for e in np.flatnonzero(rows[ei]).tolist():
            if (int(ei[e]), int(eb[e])) in forbid:
                keep[e] = False
    return ei[keep], eb[keep], es[keep]


@dataclass
class _Result:
    edges: np.ndarray  # indices of the chosen edges
    optimal: bool
    edges_solved: int
    threshold: int | None = None


class _Solver:
    """Solves (matched, total) exactly on the edges with score >= a threshold."""

    def __init__(
        self,
        n: int,
        cap: np.ndarray,
        ei: np.ndarray,
        eb: np.ndarray,
        es: np.ndarray,
        quota: _Quota | None,
        keep: int | None,
        rng: np.random.Generator,
    ) -> None:
        self.n, self.m = n, len(cap)
        self.cap = cap
        self.ei, self.eb, self.es = ei, eb, es
        self.quota = quota
        self.keep = keep
        self.rng = rng
        self.rounds = 0
        self.stats: dict[str, float] = {}
        top = max(abs(int(es.min())), abs(int(es.max())), 1) if len(es) else 1
        self.top = top
        self.starts: np.ndarray | None = None
        # Every edge of the pools solved so far: the next solve starts from them.
        self.warm: np.ndarray | None = None
        # Any two totals differ by less than C, so one more student matched always wins.
        self.big = 2 * max(n, 1) * top + 1
        # Potentials are sums along paths of at most (nodes) arcs of cost up to 2C.
        self.certifiable = self.big * 4 * (n + self.m + 2) < 2**62

    def _timed(self, key: str, since: float) -> None:
        self.stats[key] = self.stats.get(key, 0.0) + time.perf_counter() - since

    def solve(self, threshold: int | None) -> _Result:
        above = None if threshold is None else self.es >= threshold
        n_edges = len(self.es) if above is None else int(np.count_nonzero(above))
        prune = (
            self.keep is not None
            and self.certifiable
            and n_edges >= _PRUNE_MIN_EDGES
            and n_edges > _PRUNE_MIN_RATIO * self.keep * self.n
        )
        if not prune:
            return self._solve_whole(above, threshold)
        if self.warm is None:
            kept = self._top_k(None if above is None else np.flatnonzero(above))
            in_pool = np.zeros(len(self.es), dtype=bool)
            in_pool[kept] = True
        else:
            # A later solve (fair mode's probes) starts from every edge solved so far: their
            # prices were nearly right for the last threshold, so few rounds are left.
            in_pool = self.warm.copy() if above is None else self.warm & above
            kept = np.flatnonzero(in_pool)
        try:
            for round_ in range(_MAX_ROUNDS):
                self.rounds += 1
                chosen, d = self._flow(kept, potentials=True)
                if d is None:
                    break
                # The kept edges satisfy the prices (they priced the kept solution); of the
                # others, each student's few most violating ones are added, rather than all of
                # them: the certificate may reject millions of edges when the kept ones match
                # too few students. More per round when the rounds drag on.
                add = _ADD << min(max(0, round_ + 1 - _ADD_ROUNDS), 10)
                violators = self._violators(d, threshold, in_pool, self._margin(d), add)
                if len(violators) == 0:
                    return _Result(kept[chosen], True, len(kept), threshold)
                in_pool[violators] = True
                kept = np.flatnonzero(in_pool)
                if len(kept) * 2 > n_edges:
                    break
        finally:
            self.warm = in_pool if self.warm is None else self.warm | in_pool
        return self._solve_whole(above, threshold)

    def _solve_whole(self, above: np.ndarray | None, threshold: int | None) -> _Result:
        """Every edge (at or above the threshold) in one flow: no pruning."""
        edges = np.arange(len(self.es)) if above is None else np.flatnonzero(above)
        chosen = self._flow(edges, potentials=False)[0]
        return _Result(edges[chosen], True, len(edges), threshold)

    def _margin(self, prices: _Prices) -> int:
        """How close to violating an edge may come and still be added: a low quantile of the
        buddies' positive prices on the score scale (those on the scale of C only say that
        the kept edges could not match as many students)."""
        bud = prices.d[prices.bud0 : prices.bud0 + self.m]
        price = -bud[(bud < 0) & (bud > -(self.big // 2))]
        return int(np.quantile(price, _MARGIN_QUANTILE)) if len(price) else 0

    # -- pruning ---------------------------------------------------------------------------

    def _top_k(self, pool: np.ndarray | None) -> np.ndarray:
        """Each student's `keep` best edges (indices into the whole edge arrays, sorted)."""
        t0 = time.perf_counter()
        k = self.keep or DEFAULT_KEEP
        if pool is None:
            kept = self._top_k_rows(self.ei, self.eb, self.es, k)
        else:
            kept = pool[self._top_k_rows(self.ei[pool], self.eb[pool], self.es[pool], k)]
        self._timed("prune_seconds", t0)
        return kept

    def _top_k_rows(self, ei: np.ndarray, eb: np.ndarray, es: np.ndarray, k: int) -> np.ndarray:
        """Positions of each student's k best edges, edges grouped by student.

        Equal scores are ordered at random per student: otherwise students whose candidates
        tie would all keep the same buddies, and the certificate would then reject millions
        of edges. Blocks of about 2**18 edges, so that temporaries stay in cache; in each,
        a cheap filter first keeps a superset of every row's k best (ties at the k-th
        included), and only those are ranked exactly.
        """
        starts = np.searchsorted(ei, np.arange(self.n + 1, dtype=np.int32))
        counts = np.diff(starts)
        if len(ei) == 0 or int(counts.max()) <= k:
            return np.arange(len(ei))
        lo = int(es.min())
        span = int(es.max()) - lo + 1
        bits = max(int(self.m - 1).bit_length(), 1)
        key_type = np.int32 if (span << bits) < 2**31 else np.int64
        # Ties are broken by an affine hash of the buddy index, drawn per student. (A plain
        # XOR with a random mask was measured to favour the top of the index range.)
        mask = key_type((1 << bits) - 1)
        mult = (self.rng.integers(0, 1 << bits, size=self.n) | 1).astype(key_type)
        shift = self.rng.integers(0, 1 << bits, size=self.n).astype(key_type)
        cut = self._score_cut(ei, es, starts, counts, k, lo)
        hist = _Histogram(lo, span, k)
        keep_mask = np.zeros(len(ei), dtype=bool)
        bounds = np.unique(
            np.concatenate(
                [[0], np.searchsorted(starts, np.arange(1 << 18, len(ei), 1 << 18)), [self.n]]
            )
        )
        for r0, r1 in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            p0, p1 = int(starts[r0]), int(starts[r1])
            cnt = counts[r0:r1]
            if int(cnt.max()) <= k:
                keep_mask[p0:p1] = True
                continue
            rows = ei[p0:p1] - np.int32(r0)
            score = es[p0:p1]
            local = starts[r0 : r1 + 1] - p0
            if cut is not None:
                at = _above_cut(rows, score, local, cnt, cut[r0:r1], hist, k)
            elif len(cnt) * hist.n_bins <= p1 - p0 and int(cnt.max()) > 4 * k:
                at = hist.cut(rows, score, len(cnt))
            else:
                at = np.arange(p1 - p0)
            rows, score = rows[at], score[at]
            key = (score.astype(key_type) - key_type(lo)) << key_type(bits)
            tie = eb[p0:p1][at].astype(key_type) * mult[r0:r1][rows]
            tie += shift[r0:r1][rows]
            key |= tie & mask
            keep_mask[p0 + at[_largest_per_row(rows, key, k, len(cnt))]] = True
        return np.flatnonzero(keep_mask)

    def _score_cut(
        self,
        ei: np.ndarray,
        es: np.ndarray,
        starts: np.ndarray,
        counts: np.ndarray,
        k: int,
        lo: int,
    ) -> np.ndarray | None:
        """Per student, a score D below their best, with D sampled so that about 4k edges per
        student clear it. None when the rows are too short for it to pay.
        """
        wanted = 4 * k * self.n
        if len(es) < 4 * wanted:
            return None
        some = counts > 0
        best = np.full(self.n, lo, dtype=np.int64)
        best[some] = np.maximum.reduceat(es, starts[:-1][some])
        sample = self.rng.integers(0, len(es), size=1 << 15)
        below = best[ei[sample]] - es[sample]
        q = (len(sample) * wanted) // len(es)
        gap = int(np.partition(below, q)[q])
        return np.maximum(best - gap, lo).astype(es.dtype)

    # -- the flow network ------------------------------------------------------------------

    def _flow(self, edges: np.ndarray, *, potentials: bool) -> tuple[np.ndarray, _Prices | None]:
        """Max flow with min cost on `edges`; returns the chosen ones (mask) and the prices."""
        t0 = time.perf_counter()
        n, m = self.n, self.m
        ei, eb, es = self.ei[edges], self.eb[edges], self.es[edges]
        s, t = 0, 1
        inc0, bud0 = 2, 2 + n
        heads = bud0 + eb.astype(np.int64)
        q_tail = q_head = q_cap = np.zeros(0, dtype=np.int64)
        xnode = None
        if self.quota is not None:
            nat = self.quota.nationality[ei]
            rem = np.where(
                nat >= 0, self.quota.remaining[eb, np.maximum(nat, 0)], np.iinfo(np.int64).max
            )
            limited = rem < self.cap[eb]
            if limited.any():
                n_nat = self.quota.remaining.shape[1]
                pair_key = eb[limited].astype(np.int64) * n_nat + nat[limited]
                uniq, inverse = np.unique(pair_key, return_inverse=True)
                first = bud0 + m
                heads[limited] = first + inverse
                q_tail = first + np.arange(len(uniq), dtype=np.int64)
                q_head = bud0 + uniq // n_nat
                q_cap = self.quota.remaining[uniq // n_nat, uniq % n_nat]
                xnode = (uniq, q_tail)
        n_nodes = 2 + n + m + len(q_tail)
        k = len(ei)
        # Supplies on the students and demands on the buddies rather than source and sink
        # arcs: the same flow, measured 10-15% faster. Those arcs are put back for the prices.
        tails = np.concatenate([inc0 + ei.astype(np.int64), q_tail])
        heads_all = np.concatenate([heads, q_head])
        caps = np.concatenate([np.ones(k, dtype=np.int64), q_cap])
        costs = np.concatenate([-es.astype(np.int64), np.zeros(len(q_tail), np.int64)])
        # Every unit of flow crosses one student's arc: shifting those costs by a constant and
        # dividing them by their greatest common divisor leaves the same optimal flows, in
        # fewer cost-scaling phases (about 10% faster on scores that are multiples of 20).
        unit = costs.copy()
        if k:
            unit[:k] -= unit[:k].max()
            step = int(np.gcd.reduce(unit[:k]))
            if step > 1:
                unit[:k] //= step
        smcf = min_cost_flow.SimpleMinCostFlow()
        smcf.add_arcs_with_capacity_and_unit_cost(
            tails.astype(np.int32), heads_all.astype(np.int32), caps, unit
        )
        smcf.set_nodes_supplies(
            np.arange(inc0, bud0 + m, dtype=np.int32),
            np.concatenate([np.ones(n, dtype=np.int64), -self.cap]),
        )
        status = smcf.solve_max_flow_with_min_cost()
        if status != smcf.OPTIMAL:
            raise ProblemError(f"the flow solver failed ({status.name}); scores too large?")
        flows = np.asarray(smcf.flows(np.arange(len(tails), dtype=np.int32)), dtype=np.int64)
        chosen = flows[:k] > 0
        self._timed("flow_seconds", t0)
        if not potentials:
            return chosen, None
        t1 = time.perf_counter()
        matched = np.bincount(ei[chosen], minlength=n).astype(np.int64)
        load = np.bincount(eb[chosen], minlength=m).astype(np.int64)
        # Extra zero-cost arcs from the source to every buddy-side node keep buddy prices
        # non-negative; with the source's price fixed at 0 the distances are then the
        # smallest buddy prices (the largest student prices) that price the kept solution,
        # which leaves the most room for the edges that were left out.
        side = np.arange(bud0, n_nodes, dtype=np.int64)
        zeros = np.zeros(len(side), dtype=np.int64)
        big_cap = np.iinfo(np.int64).max
        prices = _bellman_ford(
            n_nodes,
            s,
            np.concatenate([tails, np.full(n, s), bud0 + np.arange(m), [t], np.full(len(side), s)]),
            np.concatenate([heads_all, inc0 + np.arange(n), np.full(m, t), [s], side]),
            np.concatenate([caps, np.ones(n, np.int64), self.cap, [big_cap], zeros + 1]),
            np.concatenate([costs[:k] - self.big, costs[k:], np.zeros(n + m + 1, np.int64), zeros]),
            np.concatenate([flows, matched, load, [int(matched.sum())], zeros]),
        )
        self._timed("price_seconds", t1)
        if prices is None:
            return chosen, None
        return chosen, _Prices(prices, inc0, bud0, xnode)

    def _violators(
        self,
        prices: _Prices,
        floor: int | None,
        in_pool: np.ndarray,
        margin: int,
        add: int,
    ) -> np.ndarray:
        """Left-out edges (scoring at least `floor`) to add: none when no edge violates the
        prices, which then certify the answer; else each student's `add` best edges under the
        prices among those that violate them or come within `margin` of it.

        A forward arc i -> x of cost -(s + C) has reduced cost -(s + C) + d[i] - d[x], so the
        edge violates when s > (d[i] - C) - d[x], and comes within the margin when
        s > (d[i] - C - margin) - d[x].
        """
        t0 = time.perf_counter()
        d = prices.d
        a = d[prices.inc0 : prices.inc0 + self.n] - self.big - margin
        bud = d[prices.bud0 : prices.bud0 + self.m]
        table = None
        if self.quota is not None:
            table = self._quota_prices(prices, bud)
        elif (
            max(int(np.abs(a).max(initial=0)), int(np.abs(bud).max(initial=0)) + self.top) < 1 << 31
        ):
            # Half the memory traffic of int64 and the same answer: nothing can overflow.
            a, bud = a.astype(np.int32), bud.astype(np.int32)
        starts = self._starts()
        out = []
        violated = False
        total = len(self.es)
        value = np.empty(min(total, _CHUNK), dtype=a.dtype)
        above = np.empty(len(value), dtype=bool)
        for c0 in range(0, total, _CHUNK):
            c1 = min(total, c0 + _CHUNK)
            val, ab = value[: c1 - c0], above[: c1 - c0]
            ei, eb, es = self.ei[c0:c1], self.eb[c0:c1], self.es[c0:c1]
            # val = s + d[x]: the edge violates when it exceeds d[i] - C (minus the margin).
            r0, r1 = int(ei[0]), int(ei[-1]) + 1
            lengths = np.minimum(starts[r0 + 1 : r1 + 1], c1)
            lengths -= np.maximum(starts[r0:r1], c0)
            threshold = np.repeat(a[r0:r1], lengths)
            if table is None:
                np.take(bud, eb, out=val)
            else:
                nat = self.quota.nationality[ei]
                val[:] = table[eb, np.where(nat >= 0, nat, table.shape[1] - 1)]
            val += es
            np.greater(val, threshold, out=ab)
            bad = np.flatnonzero(ab)
            if len(bad) == 0:
                continue
            keep = ~in_pool[c0 + bad]
            if floor is not None:
                keep &= es[bad] >= floor
            bad = bad[keep]
            if len(bad) == 0:
                continue
            gain = val[bad].astype(np.int64) - threshold[bad]
            violated = violated or bool(gain.max() > margin)
            rows = ei[bad] - ei[bad[0]]
            bad = bad[_largest_per_row(rows, gain, add, int(rows[-1]) + 1)]
            out.append(bad + c0)
        self._timed("check_seconds", t0)
        if not violated:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate(out)

    def _starts(self) -> np.ndarray:
        """Where each student's edges start (and the end of the last), int64."""
        if self.starts is None:
            self.starts = np.searchsorted(self.ei, np.arange(self.n + 1, dtype=np.int32))
        return self.starts

    def _quota_prices(self, prices: _Prices, bud: np.ndarray) -> np.ndarray:
        """Price of the [buddy, nationality] node each edge would enter; last column: none.

        A node absent from the kept graph may take the buddy's price (its one arc, to the
        buddy, then has reduced cost 0), or minus infinity when its quota is used up.
        """
        rem = self.quota.remaining if self.quota is not None else np.zeros((self.m, 0), np.int64)
        table = np.repeat(bud[:, None], rem.shape[1] + 1, axis=1)
        full = np.zeros(table.shape, dtype=bool)
        full[:, :-1] = rem <= 0
        table[full] = _NEG_INF
        if prices.xnode is not None:
            uniq, nodes = prices.xnode
            n_nat = rem.shape[1]
            table[uniq // n_nat, uniq % n_nat] = prices.d[nodes]
        return table


class _Histogram:
    """Per-row histograms of scores in at most 2**_BIN_BITS bins, to find the bin of each
    row's k-th best score."""

    def __init__(self, lo: int, span: int, k: int) -> None:
        self.lo, self.span, self.k = lo, span, k
        self.shift = max(0, (span - 1).bit_length() - _BIN_BITS)
        self.n_bins = ((span - 1) >> self.shift) + 1

    def cut(self, rows: np.ndarray, score: np.ndarray, n_rows: int) -> np.ndarray:
        """Positions of the edges in or above the bin of their row's k-th best score (all
        of a row with k edges or fewer): a superset of each row's k best, ties included.
        `rows` run from 0 to n_rows - 1.
        """
        if self.span < 2**31:
            bins = (score - np.int32(self.lo)) >> np.int32(self.shift)
        else:
            bins = ((score.astype(np.int64) - self.lo) >> self.shift).astype(np.int32)
        cells = np.bincount(
            rows.astype(np.int32) * np.int32(self.n_bins) + bins, minlength=n_rows * self.n_bins
        )
        # above[r, j]: row r's edges in bin n_bins - 1 - j or higher.
        above = np.cumsum(cells.reshape(n_rows, self.n_bins)[:, ::-1], axis=1)
        lowest = self.n_bins - 1 - np.argmax(above >= self.k, axis=1)
        lowest[above[:, -1] <= self.k] = 0
        return np.flatnonzero(bins >= lowest[rows].astype(bins.dtype))


def _above_cut(
    rows: np.ndarray,
    score: np.ndarray,
    local: np.ndarray,
    counts: np.ndarray,
    cut: np.ndarray,
    hist: _Histogram,
    k: int,
) -> np.ndarray:
    """Positions (in a block of rows) of the edges at or above their row's cut; rows with
    fewer than k edges there go through the histogram instead."""
    at = np.flatnonzero(score >= np.repeat(cut, counts))
    short = np.flatnonzero(np.diff(np.searchsorted(at, local)) < np.minimum(k, counts))
    if len(short) == 0:
        return at
    lengths = counts[short]
    spans = np.repeat(local[short] - np.cumsum(lengths) + lengths, lengths)
    spans += np.arange(int(lengths.sum()))
    renumber = np.zeros(len(counts), dtype=np.int32)
    renumber[short] = np.arange(len(short), dtype=np.int32)
    more = spans[hist.cut(renumber[rows[spans]], score[spans], len(short))]
    is_short = np.zeros(len(counts), dtype=bool)
    is_short[short] = True
    return np.sort(np.concatenate([at[~is_short[rows[at]]], more]))


def _largest_per_row(rows: np.ndarray, key: np.ndarray, k: int, n_rows: int) -> np.ndarray:
    """Positions of each row's k largest keys, or a few more on ties (rows grouped, from 0 to
    n_rows - 1)."""
    first = np.searchsorted(rows, np.arange(n_rows + 1, dtype=np.int32))
    counts = np.diff(first)
    w = int(counts.max()) if len(counts) else 0
    if w <= k:
        return np.arange(len(rows))
    if n_rows * w > 4 * len(rows) + (1 << 12):
        # Rows of very different lengths: padding them all to the longest would not pay.
        order = np.lexsort((-key.astype(np.int64), rows))
        return np.sort(order[np.arange(len(rows)) - first[rows[order]] < k])
    flat = np.arange(len(rows), dtype=np.int64)
    flat += (np.arange(n_rows, dtype=np.int64) * w - first[:-1])[rows]
    pad = np.full(n_rows * w, np.iinfo(key.dtype).min, dtype=key.dtype)
    pad[flat] = key
    kth = np.partition(pad.reshape(n_rows, w), w - k, axis=1)[:, w - k]
    return np.flatnonzero(key >= kth[rows])


@dataclass
class _Prices:
    d: np.ndarray
    inc0: int
    bud0: int
    xnode: tuple[np.ndarray, np.ndarray] | None


def _bellman_ford(
    n_nodes: int,
    source: int,
    tail: np.ndarray,
    head: np.ndarray,
    cap: np.ndarray,
    cost: np.ndarray,
    flow: np.ndarray,
) -> np.ndarray | None:
    """Shortest distances from `source` in the residual graph of `flow`.

    Returns None when they do not settle within the node count (a negative cycle: the flow was
    not optimal), so the caller falls back to solving the whole graph. Unreached nodes keep a
    huge distance, which no check below can mistake for a violation.
    """
    fwd = flow < cap
    bwd = flow > 0
    rt = np.concatenate([tail[fwd], head[bwd]])
    rh = np.concatenate([head[fwd], tail[bwd]])
    rc = np.concatenate([cost[fwd], -cost[bwd]])
    order = np.argsort(rt, kind="stable")
    rt, rh, rc = rt[order], rh[order], rc[order]
    first = np.searchsorted(rt, np.arange(n_nodes + 1))
    d = np.full(n_nodes, _INF, dtype=np.int64)
    d[source] = 0
    frontier = np.array([source], dtype=np.int64)
    # Label correcting: only arcs leaving a node whose distance just dropped are relaxed.
    for _ in range(n_nodes + 1):
        if len(frontier) == 0:
            return d
        lo, hi = first[frontier], first[frontier + 1]
        sizes = hi - lo
        total = int(sizes.sum())
        if total == 0:
            return d
        arcs = np.repeat(lo - np.cumsum(sizes) + sizes, sizes) + np.arange(total)
        cand = d[rt[arcs]] + rc[arcs]
        targets = rh[arcs]
        before = d.copy()
        np.minimum.at(d, targets, cand)
        frontier = np.flatnonzero(d < before)
    return None


def _fair(solver: _Solver, lowest_pinned: int | None) -> _Result:
    """Most matched, then the highest lowest score, then the best total.

    The flow-mode answer gives the number to keep matched and a threshold known to allow it;
    a binary search over thresholds then finds the highest that still matches as many, each
    probe an exact (matched, total) solve on the edges at or above it.
    """
    best = solver.solve(None)
    target = len(best.edges)
    if target == 0:
        return best
    lo = int(solver.es[best.edges].min())
    hi = int(solver.es.max()) + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        probe = solver.solve(mid)
        if len(probe.edges) == target:
            best = probe
            lo = int(solver.es[probe.edges].min())
        else:
            hi = mid
    # `best` has lowest score lo and the best total among all pairs at or above a threshold
    # <= lo, hence also among those at or above lo.
    if lowest_pinned is not None and lowest_pinned < lo:
        # A pinned pair is already the lowest: any pair at least as good keeps that minimum,
        # so the total is maximised over the larger set.
        best = solver.solve(lowest_pinned)
    return best
