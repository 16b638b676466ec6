"""One buddy's requests: the feasible students only, best score first, the same scores."""

import datetime as dt

from engine_cases import profiles_problems
from hypothesis import given, settings

from matching.engine import Buddy, Incoming, Policy, rank_for_buddy, score_pair

REF = dt.date(2025, 8, 1)


@settings(max_examples=100, deadline=None)
@given(profiles_problems())
def test_ranking_lists_exactly_the_feasible_students_with_score_pair_s_scores(problem):
    for buddy in problem.buddies:
        ranked = rank_for_buddy(buddy, problem.incoming, problem.policy, REF)
        expected = {}
        for index, person in enumerate(problem.incoming):
            scored = score_pair(person, buddy, problem.policy, REF)
            if scored.feasible and buddy.capacity > 0:
                expected[index] = scored.score
        assert dict(ranked) == expected
        scores = [score for _index, score in ranked]
        assert scores == sorted(scores, reverse=True)


def test_equal_scores_keep_the_input_order_and_the_best_comes_first():
    buddy = Buddy(id="b", languages=["fr", "en"], hobbies=["chess"])
    incoming = [
        Incoming(id="plain1", languages=["fr"]),
        Incoming(id="best", languages=["fr", "en"], hobbies=["chess"]),
        Incoming(id="plain2", languages=["fr"]),
        Incoming(id="no common language", languages=["de"]),
    ]
    ranked = rank_for_buddy(buddy, incoming, Policy(), REF)
    assert [incoming[i].id for i, _score in ranked] == ["best", "plain1", "plain2"]


def test_no_free_place_forbidden_pairs_and_the_nationality_quota_leave_students_out():
    incoming = [
        Incoming(id="i1", languages=["fr"], nationality="DE"),
        Incoming(id="i2", languages=["fr"], nationality="IT"),
        Incoming(id="i3", languages=["fr"], nationality="ES"),
    ]
    buddy = Buddy(id="b", languages=["fr"], capacity=2, assigned_nationalities={"IT": 1})
    ids = lambda ranked: {incoming[i].id for i, _score in ranked}  # noqa: E731
    assert ids(rank_for_buddy(buddy, incoming, Policy(), REF)) == {"i1", "i2", "i3"}
    assert ids(rank_for_buddy(buddy, incoming, Policy(), REF, forbidden={"i3"})) == {"i1", "i2"}
    assert ids(rank_for_buddy(buddy, incoming, Policy(), REF, nationality_quota=1)) == {
        "i1",
        "i3",
    }
    full = Buddy(id="b", languages=["fr"], capacity=0)
    assert rank_for_buddy(full, incoming, Policy(), REF) == []
