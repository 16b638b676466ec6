"""Property tests of the exact solver on index arrays (edges mode)."""

from unittest import mock

import numpy as np
import pytest
from engine_cases import Instance, brute_force, check_valid, instances, scipy_reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.engine import solver
from matching.engine.errors import ProblemError
from matching.engine.solver import solve_edges

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MEDIUM = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(inst: Instance, prune: bool = False, **kwargs):
    ei, eb, es = inst.arrays()
    args = dict(inst.kwargs(), **kwargs)
    if not prune:
        return solve_edges(inst.n, inst.caps, ei, eb, es, **args)
    # Small graphs are normally solved whole; force the prune-and-certify path.
    with (
        mock.patch.object(solver, "_PRUNE_MIN_EDGES", 0),
        mock.patch.object(solver, "_PRUNE_MIN_RATIO", 0),
    ):
        return solve_edges(inst.n, inst.caps, ei, eb, es, keep=args.pop("keep", 1), **args)


@FAST
@given(instances(), st.booleans())
def test_flow_mode_equals_brute_force(inst, prune):
    result = run(inst, prune)
    check_valid(inst, result.incoming, result.buddy, result.score)
    assert (result.matched, result.total_score) == brute_force(inst)
    assert result.optimal


@FAST
@given(instances(), st.booleans())
def test_fair_mode_equals_brute_force(inst, prune):
    result = run(inst, prune, mode="fair")
    check_valid(inst, result.incoming, result.buddy, result.score)
    lowest = result.lowest_score if result.matched else float("inf")
    assert (result.matched, lowest, result.total_score) == brute_force(inst, fair=True)


@MEDIUM
@given(
    instances(max_n=60, max_m=30, max_cap=3, density=0.25, extras=False),
    st.sampled_from([None, 1, 3]),
)
def test_flow_mode_equals_scipy_on_medium_instances(inst, keep):
    result = run(inst, prune=keep is not None, keep=keep)
    check_valid(inst, result.incoming, result.buddy, result.score)
    assert (result.matched, result.total_score) == scipy_reference(inst)
    if keep is not None and len(inst.edges) > 2 * inst.n:
        assert result.rounds >= 1, "the prune-and-certify path did not run"


@MEDIUM
@given(instances(max_n=40, max_m=40, max_cap=2, density=0.9, extras=False))
def test_dense_rows_go_through_the_score_prefilter_and_stay_exact(inst):
    # With keep=1 a row of 16 edges or more is prefiltered by a sampled score cut.
    result = run(inst, prune=True, keep=1)
    check_valid(inst, result.incoming, result.buddy, result.score)
    assert (result.matched, result.total_score) == scipy_reference(inst)


@MEDIUM
@given(instances(max_n=40, max_m=20, max_cap=3, density=0.3), st.booleans())
def test_fair_mode_lowest_score_is_at_least_flow_modes(inst, prune):
    flow = run(inst, prune)
    fair = run(inst, prune, mode="fair")
    check_valid(inst, fair.incoming, fair.buddy, fair.score)
    assert fair.matched == flow.matched
    if flow.matched:
        assert fair.lowest_score >= flow.lowest_score
        assert fair.total_score <= flow.total_score


@MEDIUM
@given(instances(max_n=40, max_m=15, max_cap=3, density=0.4), st.booleans())
def test_side_constraints_hold_on_medium_instances(inst, prune):
    result = run(inst, prune)
    check_valid(inst, result.incoming, result.buddy, result.score)
    if not inst.pinned and not inst.forbidden and inst.quota is None:
        assert (result.matched, result.total_score) == scipy_reference(inst)


def test_a_quota_of_one_spreads_nationalities():
    # Buddy 0 is everyone's favourite, but only one student per nationality may have them.
    inst = Instance(
        n=4,
        caps=[4, 4],
        edges={(0, 0): 10, (1, 0): 10, (2, 0): 10, (3, 0): 10, (0, 1): 1, (1, 1): 1, (2, 1): 1},
        nationality=[0, 0, 1, 1],
        quota=1,
    )
    result = run(inst)
    check_valid(inst, result.incoming, result.buddy, result.score)
    assert (result.matched, result.total_score) == (4, 10 + 10 + 1 + 1)


def test_pruned_solve_needs_several_rounds_and_stays_exact():
    # Every student prefers the same buddy of capacity 1: the kept edges cannot match them all.
    rng = np.random.default_rng(7)
    n, m = 300, 200
    edges = {(i, b): int(rng.integers(1, 100)) for i in range(n) for b in range(m)}
    for i in range(n):
        edges[(i, 0)] = 1_000
    inst = Instance(n=n, caps=[1] * m, edges=edges)
    result = run(inst, prune=True, keep=2)
    assert result.rounds > 1
    assert (result.matched, result.total_score) == scipy_reference(inst)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(capacities=[-1, 1]), "negative capacity"),
        (dict(pinned=[(0, 0)], forbidden=[(0, 0)]), "also forbidden"),
        (dict(pinned=[(1, 1)]), "not a feasible pair"),
        (dict(pinned=[(0, 0), (1, 0)], capacities=[1, 1]), "more pinned students than capacity"),
        (dict(pinned=[(0, 0), (0, 1)]), "more than one buddy"),
        (dict(pinned=[(5, 0)]), "unknown student or buddy"),
        (dict(edge_incoming=[0, 9, 1]), "out of range"),
        (dict(edge_score=[1.5, 2, 3]), "integers"),
        (dict(mode="best"), "mode"),
        (dict(nationality_quota=1), "nationalities"),
        (dict(nationality=[0, 0], nationality_quota=0), "at least 1"),
        (
            dict(nationality=[0, 0], nationality_quota=1, pinned=[(0, 0), (1, 0)]),
            "nationality quota",
        ),
    ],
)
def test_inconsistent_problems_are_rejected(change, message):
    args = dict(
        capacities=[2, 1],
        edge_incoming=[0, 0, 1],
        edge_buddy=[0, 1, 0],
        edge_score=[5, 3, 4],
    )
    args.update(change)
    with pytest.raises(ProblemError, match=message):
        solve_edges(2, **args)


def test_empty_problems_solve_to_nothing():
    assert solve_edges(0, [], [], [], []).matched == 0
    result = solve_edges(3, [0, 0], [0, 1], [0, 1], [5, 5])
    assert (result.matched, result.total_score, result.optimal) == (0, 0, True)


def profile_like(seed: int, n: int, m: int, density: float = 0.9) -> Instance:
    """Coarse scores with huge ties, as profiles produce them: a per-student and a per-buddy
    part (arrival, experience), a shared trait, a little noise, all multiples of 20. Some
    buddies are everyone's favourites, and a few students can only take those."""
    rng = np.random.default_rng(seed)
    caps = rng.integers(1, 4, size=m)
    student = rng.integers(0, 6, size=n) * 60
    buddy = rng.integers(0, 6, size=m) * 80
    trait_i, trait_b = rng.integers(0, 4, size=n), rng.integers(0, 4, size=m)
    score = student[:, None] + buddy[None, :] + 100 * (trait_i[:, None] == trait_b[None, :])
    score += rng.integers(0, 3, size=(n, m)) * 20
    feasible = rng.random((n, m)) < density
    favourites = np.argsort(-buddy, kind="stable")[: max(1, m // 10)]
    picky = rng.random(n) < 0.1
    feasible[picky] = False
    feasible[np.ix_(picky, favourites)] = True
    rows, cols = np.nonzero(feasible)
    edges = {(int(i), int(b)): int(score[i, b]) for i, b in zip(rows, cols, strict=True)}
    return Instance(n=n, caps=caps.tolist(), edges=edges)


def test_tie_heavy_dense_instance_stays_exact_on_a_small_pool():
    # The kept edges cannot match everyone at first, so the first prices reject most of the
    # graph; only each student's few most violating edges may join per round.
    inst = profile_like(11, 400, 250)
    result = run(inst, prune=True, keep=3)
    check_valid(inst, result.incoming, result.buddy, result.score)
    assert (result.matched, result.total_score) == scipy_reference(inst)
    assert result.optimal
    assert result.rounds >= 2
    assert result.edges_solved < len(inst.edges) // 4


@MEDIUM
@given(
    st.integers(0, 2**32 - 1),
    st.integers(5, 60),
    st.integers(3, 40),
    st.sampled_from([1, 2, 3]),
    st.sampled_from([0.3, 0.9]),
)
def test_tie_heavy_instances_equal_scipy(seed, n, m, keep, density):
    inst = profile_like(seed, n, m, density)
    result = run(inst, prune=True, keep=keep)
    check_valid(inst, result.incoming, result.buddy, result.score)
    assert (result.matched, result.total_score) == scipy_reference(inst)
    # Fair mode's probes start from the edges solved before; the whole graph in one flow
    # is the reference.
    fair = run(inst, prune=True, keep=keep, mode="fair")
    whole = run(inst, mode="fair", keep=None)
    check_valid(inst, fair.incoming, fair.buddy, fair.score)
    assert (fair.matched, fair.lowest_score, fair.total_score) == (
        whole.matched,
        whole.lowest_score,
        whole.total_score,
    )


@MEDIUM
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 40),
    st.sampled_from([1, 2, 3, 5]),
    st.booleans(),
)
def test_each_students_best_edges_are_kept_exactly(seed, n, k, long_rows):
    # Long rows: few distinct scores, some rows with one good edge and a long tail (those
    # fall short of the sampled cut and go through the histogram). Short rows of scores 0-7:
    # no sampled cut, a histogram of 8 bins.
    rng = np.random.default_rng(seed)
    m = 300 if long_rows else 40
    counts = rng.integers(0, m, size=n)
    ei = np.repeat(np.arange(n, dtype=np.int32), counts)
    eb = np.concatenate([rng.permutation(m)[:c] for c in counts]).astype(np.int32)
    first = np.searchsorted(ei, np.arange(n + 1))
    if long_rows:
        es = (rng.integers(0, 8, size=len(ei)) * 20).astype(np.int32)
        es[(rng.random(n) < 0.3)[ei]] -= 1_000
        es[first[:-1][counts > 0]] += 5_000
    else:
        es = rng.integers(0, 8, size=len(ei)).astype(np.int32)
    core = solver._Solver(n, np.ones(m, np.int64), ei, eb, es, None, k, rng)
    kept = core._top_k_rows(ei, eb, es, k)
    assert np.array_equal(kept, np.unique(kept))
    for i in range(n):
        row = es[first[i] : first[i + 1]]
        mine = es[kept[(kept >= first[i]) & (kept < first[i + 1])]]
        assert sorted(mine.tolist()) == sorted(row.tolist())[::-1][:k][::-1]
