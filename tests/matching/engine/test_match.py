"""Matching from profiles: hard constraints, pins, quota and optimality, by ids."""

import datetime as dt

import pytest
from engine_cases import Instance, brute_force, check_valid, profiles_problems
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.engine import Buddy, Incoming, Policy, ProblemError, match, match_edges, score_pair

REF = dt.date(2025, 8, 1)


def as_instance(problem, pinned=(), forbidden=(), quota=None) -> Instance:
    """The same problem as index arrays, with scores from the plain scorer."""
    edges = {}
    for i, inc in enumerate(problem.incoming):
        for b, bud in enumerate(problem.buddies):
            scored = score_pair(inc, bud, problem.policy, REF)
            if scored.feasible:
                edges[(i, b)] = scored.score
    codes: dict = {}
    nationality = [
        -1 if p.nationality is None else codes.setdefault(p.nationality, len(codes))
        for p in problem.incoming
    ]
    return Instance(
        n=len(problem.incoming),
        caps=[b.capacity for b in problem.buddies],
        edges=edges,
        pinned=list(pinned),
        forbidden=list(forbidden),
        nationality=nationality if quota else None,
        quota=quota,
    )


@settings(max_examples=120, deadline=None)
@given(
    profiles_problems(), st.sampled_from(["flow", "fair"]), st.sampled_from([None, 1]), st.data()
)
def test_match_is_valid_and_optimal(problem, mode, quota, data):
    inst = as_instance(problem, quota=quota)
    # Pins and forbidden pairs drawn among the feasible pairs, kept consistent.
    keys = sorted(inst.edges)
    forbidden = data.draw(st.lists(st.sampled_from(keys), max_size=2)) if keys else []
    pinned, load, rows, by_nat = [], {}, set(), {}
    for i, b in data.draw(st.lists(st.sampled_from(keys), max_size=2)) if keys else []:
        nat = inst.nationality[i] if quota else -1
        if (i, b) in forbidden or i in rows or load.get(b, 0) >= inst.caps[b]:
            continue
        if quota and nat >= 0 and by_nat.get((b, nat), 0) >= quota:
            continue
        pinned.append((i, b))
        rows.add(i)
        load[b] = load.get(b, 0) + 1
        by_nat[(b, nat)] = by_nat.get((b, nat), 0) + 1
    inst.pinned, inst.forbidden = pinned, forbidden
    ids_i = [p.id for p in problem.incoming]
    ids_b = [b.id for b in problem.buddies]
    result = match(
        problem.incoming,
        problem.buddies,
        problem.policy,
        pinned=[(ids_i[i], ids_b[b]) for i, b in pinned],
        forbidden=[(ids_i[i], ids_b[b]) for i, b in forbidden],
        mode=mode,
        nationality_quota=quota,
        reference_date=REF,
    )
    import numpy as np

    pairs = [(ids_i.index(p.incoming), ids_b.index(p.buddy)) for p in result.pairs]
    check_valid(
        inst,
        np.array([i for i, _ in pairs], dtype=int),
        np.array([b for _, b in pairs], dtype=int),
        np.array([p.score for p in result.pairs], dtype=int),
    )
    for p in result.pairs:
        scored = score_pair(
            problem.incoming[ids_i.index(p.incoming)],
            problem.buddies[ids_b.index(p.buddy)],
            problem.policy,
            REF,
        )
        assert scored.feasible, "a suggested pair breaks a hard constraint"
        assert dict(scored.breakdown) == dict(p.breakdown)
    expected = brute_force(inst, fair=mode == "fair")
    lowest = result.lowest_score if result.matched else float("inf")
    got = (
        (result.matched, lowest, result.total_score)
        if mode == "fair"
        else (result.matched, result.total_score)
    )
    assert got == expected
    assert result.optimal
    assert set(result.unmatched) == set(ids_i) - {p.incoming for p in result.pairs}


def test_when_buddies_are_short_the_earliest_arrivals_are_matched():
    students = [
        Incoming(id=f"i{d}", languages=["en"], arrival=REF + dt.timedelta(days=d))
        for d in (40, 3, 25)
    ]
    buddies = [Buddy(id="b", languages=["en"], capacity=2)]
    result = match(students, buddies, Policy(), reference_date=REF)
    assert {p.incoming for p in result.pairs} == {"i3", "i25"}
    assert result.unmatched == ("i40",)


def test_quota_counts_students_already_assigned():
    students = [Incoming(id=f"i{k}", languages=["en"], nationality="IT") for k in range(3)]
    buddies = [
        Buddy(id="b1", languages=["en"], capacity=3, assigned_nationalities={"it": 1}),
        Buddy(id="b2", languages=["en"], capacity=1),
    ]
    result = match(students, buddies, nationality_quota=1, reference_date=REF)
    assert [p.buddy for p in result.pairs].count("b1") == 0
    assert result.matched == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(pinned=[("i1", "nobody")]), "unknown buddy: 'nobody'"),
        (dict(forbidden=[("ghost", "b1")]), "unknown incoming student: 'ghost'"),
        (dict(pinned=[("i2", "b1")]), "breaks the hard constraint common_language"),
        (dict(pinned=[("i1", "b1")], forbidden=[("i1", "b1")]), "also forbidden"),
        (dict(mode="greedy"), "mode"),
    ],
)
def test_inconsistent_profile_problems_name_the_fault(kwargs, message):
    students = [Incoming(id="i1", languages=["en"]), Incoming(id="i2", languages=["fi"])]
    buddies = [Buddy(id="b1", languages=["en"])]
    with pytest.raises(ProblemError, match=message):
        match(students, buddies, reference_date=REF, **kwargs)


def test_duplicate_ids_are_rejected():
    with pytest.raises(ProblemError, match="appears twice"):
        match([Incoming(id="x"), Incoming(id="x")], [], reference_date=REF)
    with pytest.raises(ProblemError, match="listed twice"):
        match_edges(["i"], {"b": 1}, [("i", "b", 1), ("i", "b", 2)])
