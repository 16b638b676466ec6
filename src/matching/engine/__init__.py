"""The matching engine: pure Python and OR-Tools, no Django (see DESIGN.md, Matching).

The Django side builds `Incoming` and `Buddy` profiles and a `Policy`, calls `match`, and
renders each pair's breakdown; `score_pair` explains (or warns about) any single pair;
`rank_for_buddy` lists the students one buddy may take, best fit first.
"""

from matching.engine.errors import ProblemError
from matching.engine.match import MatchResult, Pair, match, match_edges
from matching.engine.policy import CRITERIA, DEFAULT_HARD, DEFAULT_WEIGHTS, HARD_CONSTRAINTS, Policy
from matching.engine.profiles import Buddy, Incoming
from matching.engine.ranking import rank_for_buddy
from matching.engine.scoring import PairScore, ScoredEdges, score_edges, score_pair
from matching.engine.solver import Assignment, solve_edges

__all__ = [
    "CRITERIA",
    "DEFAULT_HARD",
    "DEFAULT_WEIGHTS",
    "HARD_CONSTRAINTS",
    "Assignment",
    "Buddy",
    "Incoming",
    "MatchResult",
    "Pair",
    "PairScore",
    "Policy",
    "ProblemError",
    "ScoredEdges",
    "match",
    "match_edges",
    "rank_for_buddy",
    "score_edges",
    "score_pair",
    "solve_edges",
]
