"""The two scorers agree, and the criteria and hard constraints mean what they say."""

import datetime as dt
from unittest import mock

import numpy as np
import pytest
from engine_cases import profiles_problems
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.engine import Buddy, Incoming, Policy, score_edges, score_pair, scoring
from matching.engine.policy import CRITERIA, DEFAULT_WEIGHTS

REF = dt.date(2025, 8, 1)


@settings(max_examples=200, deadline=None)
@given(profiles_problems())
def test_numpy_scorer_equals_the_plain_one(problem):
    assert_scorers_agree(problem.incoming, problem.buddies, problem.policy)


@settings(max_examples=100, deadline=None)
@given(profiles_problems(), st.sampled_from([0, 6, 40]), st.sampled_from([1, 5]))
def test_numpy_scorer_equals_the_plain_one_pair_by_pair_and_in_small_blocks(problem, cells, block):
    # No table, or tables for some criteria only; several blocks of students.
    with (
        mock.patch.object(scoring, "_TABLE_CELLS", cells),
        mock.patch.object(scoring, "_BLOCK_PAIRS", block),
    ):
        assert_scorers_agree(problem.incoming, problem.buddies, problem.policy)


@pytest.mark.parametrize("cells", [0, 1 << 20])
def test_numpy_scorer_counts_shared_hobbies_beyond_64_distinct(cells):
    # 150 distinct hobbies: bit masks of three 64-bit words.
    rng = np.random.default_rng(5)
    hobbies = [f"hobby {k}" for k in range(150)]
    languages = [f"l{k}" for k in range(70)]

    def person(kind, k):
        return kind(
            id=f"{kind.__name__}{k}",
            languages=rng.choice(languages, int(rng.integers(1, 40)), replace=False).tolist(),
            hobbies=rng.choice(hobbies, int(rng.integers(0, 90)), replace=False).tolist(),
        )

    incoming = [person(Incoming, k) for k in range(12)]
    buddies = [person(Buddy, k) for k in range(9)]
    policy = Policy(hard_constraints={"common_language": False})
    with mock.patch.object(scoring, "_TABLE_CELLS", cells):
        assert_scorers_agree(incoming, buddies, policy)


def assert_scorers_agree(incoming, buddies, policy):
    edges = score_edges(incoming, buddies, policy, REF)
    vectorised = {
        (i, b): s
        for i, b, s in zip(
            edges.incoming.tolist(), edges.buddy.tolist(), edges.score.tolist(), strict=True
        )
    }
    plain = {}
    for i, inc in enumerate(incoming):
        for b, bud in enumerate(buddies):
            scored = score_pair(inc, bud, policy, REF)
            assert sum(scored.breakdown.values()) == scored.score
            assert set(scored.breakdown) <= set(CRITERIA)
            assert scored.feasible == (not scored.violations)
            if scored.feasible:
                plain[(i, b)] = scored.score
    assert vectorised == plain
    assert list(edges.incoming) == sorted(edges.incoming), "edges must come grouped by student"
    for array in (edges.incoming, edges.buddy, edges.score):
        assert array.dtype == np.int32


def test_a_pair_with_everything_in_common_earns_every_point():
    student = Incoming(
        id="i",
        languages={"es": "native", "en": "B2", "fr": "A2"},
        hobbies=["a", "b", "c", "d", "e"],
        place_of_study="Université de Lille",
        faculty="Law",
        age=22,
        nationality="ES",
        arrival=REF,
    )
    buddy = Buddy(
        id="b",
        languages=["ES", "en", "fr"],
        hobbies=["A", "b", "c", "d", "e ", "f"],
        place_of_study="université  de lille",
        faculty="law",
        age=22,
        nationality="FR",
        experience=3,
    )
    scored = score_pair(student, buddy, Policy(), REF)
    assert scored.breakdown == {c: w * 100 for c, w in DEFAULT_WEIGHTS.items()}
    assert scored.details["shared_languages"] == ["en", "es", "fr"]
    assert scored.feasible


def test_hard_constraints_and_their_toggles():
    student = Incoming(
        id="i",
        languages=["de"],
        gender="female",
        gender_preference="same",
        arrival=dt.date(2025, 9, 1),
        departure=dt.date(2025, 12, 20),
    )
    buddy = Buddy(id="b", languages=["fr"], gender="male", available_from=dt.date(2026, 1, 10))
    strict = score_pair(student, buddy, Policy(), REF)
    assert strict.violations == ("common_language", "gender_preference", "dates_overlap")
    relaxed = Policy(
        hard_constraints={
            "common_language": False,
            "gender_preference": False,
            "dates_overlap": False,
        }
    )
    loose = score_pair(student, buddy, relaxed, REF)
    assert loose.feasible
    assert loose.breakdown["gender_preference"] == 0
    assert (
        loose.details["days_outside_availability"]
        == (dt.date(2026, 1, 10) - dt.date(2025, 9, 1)).days
    )
    campus = Policy(
        hard_constraints={
            "same_place_of_study": True,
            "common_language": False,
            "gender_preference": False,
            "dates_overlap": False,
        }
    )
    assert score_pair(student, buddy, campus, REF).violations == ("same_place_of_study",)


def test_language_levels_below_the_policy_minimum_do_not_count():
    student = Incoming(id="i", languages={"en": "A2", "es": "C1"})
    buddy = Buddy(id="b", languages={"en": "native", "es": "B2"})
    policy = Policy(min_language_level=3)
    assert score_pair(student, buddy, policy, REF).details["shared_languages"] == ["es"]


def test_ages_come_from_birth_dates_on_the_reference_date():
    student = Incoming(id="i", birth_date=dt.date(2003, 8, 2), languages=["en"])
    buddy = Buddy(id="b", age=22, languages=["en"])
    assert score_pair(student, buddy, Policy(), REF).details["age_difference"] == 1
    later = REF + dt.timedelta(days=1)
    assert score_pair(student, buddy, Policy(), later).details["age_difference"] == 0
