"""The JSON problem format of the command line (see README.md beside this file)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from matching.engine.errors import ProblemError
from matching.engine.match import MatchResult, match, match_edges
from matching.engine.policy import Policy
from matching.engine.profiles import (
    Buddy,
    Incoming,
    buddy_from_dict,
    incoming_from_dict,
    parse_date,
)
from matching.engine.scoring import score_edges, score_pair
from matching.engine.solver import MODES

_COMMON_KEYS = {"incoming", "buddies", "pinned", "forbidden", "mode"}
_PROFILE_KEYS = _COMMON_KEYS | {"policy", "nationality_quota", "reference_date"}
_EDGE_KEYS = _COMMON_KEYS | {"edges"}


@dataclass
class Problem:
    """A parsed problem, in profiles mode or in edges mode (`edges` is not None)."""

    incoming_ids: list[str]
    pinned: list[tuple[str, str]]
    forbidden: list[tuple[str, str]]
    mode: str = "flow"
    incoming: list[Incoming] = field(default_factory=list)
    buddies: list[Buddy] = field(default_factory=list)
    policy: Policy = field(default_factory=Policy)
    nationality_quota: int | None = None
    reference_date: dt.date | None = None
    capacities: dict[str, int] = field(default_factory=dict)
    edges: list[tuple[str, str, int]] | None = None

    def solve(self, check_only: bool = False) -> MatchResult:
        if self.edges is not None:
            return match_edges(
                self.incoming_ids,
                self.capacities,
                self.edges,
                pinned=self.pinned,
                forbidden=self.forbidden,
                mode=self.mode,  # type: ignore[arg-type]
                check_only=check_only,
            )
        return match(
            self.incoming,
            self.buddies,
            self.policy,
            pinned=self.pinned,
            forbidden=self.forbidden,
            mode=self.mode,  # type: ignore[arg-type]
            nationality_quota=self.nationality_quota,
            reference_date=self.reference_date,
            check_only=check_only,
        )

    def score(self) -> dict[str, Any]:
        """Every feasible pair (forbidden ones left out) with its score and breakdown.

        The problem is checked as `solve` checks it first: a bad pin is an error here too.
        """
        self.solve(check_only=True)
        started = time.perf_counter()
        forbidden = set(self.forbidden)
        pairs: list[dict[str, Any]] = []
        if self.edges is not None:
            for i, b, s in self.edges:
                if (i, b) not in forbidden:
                    pairs.append({"incoming": i, "buddy": b, "score": s, "breakdown": {}})
        else:
            ref = self.reference_date or dt.date.today()
            edges = score_edges(self.incoming, self.buddies, self.policy, ref)
            for i, b in zip(edges.incoming.tolist(), edges.buddy.tolist(), strict=True):
                inc, bud = self.incoming[i], self.buddies[b]
                if (inc.id, bud.id) in forbidden:
                    continue
                scored = score_pair(inc, bud, self.policy, ref)
                pairs.append(
                    {
                        "incoming": inc.id,
                        "buddy": bud.id,
                        "score": scored.score,
                        "breakdown": dict(scored.breakdown),
                    }
                )
        return {"pairs": pairs, "seconds": round(time.perf_counter() - started, 6)}


def parse_problem(data: Any) -> Problem:
    """Check a decoded JSON problem and build it; raises ProblemError naming the fault."""
    if not isinstance(data, Mapping):
        raise ProblemError("the problem must be a JSON object")
    edges_mode = "edges" in data
    allowed = _EDGE_KEYS if edges_mode else _PROFILE_KEYS
    unknown = sorted(set(data) - allowed)
    if unknown:
        hint = " (not in edges mode)" if edges_mode and unknown[0] in _PROFILE_KEYS else ""
        raise ProblemError(f"unknown key {unknown[0]!r}{hint}")
    for key in ("incoming", "buddies"):
        if not isinstance(data.get(key), list):
            raise ProblemError(f"{key!r} must be a list")
    mode = data.get("mode", "flow")
    if mode not in MODES:
        raise ProblemError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    pinned = _pairs(data.get("pinned", []), "pinned")
    forbidden = _pairs(data.get("forbidden", []), "forbidden")
    if edges_mode:
        return _edges_problem(data, pinned, forbidden, mode)
    incoming = [incoming_from_dict(x) for x in data["incoming"]]
    buddies = [buddy_from_dict(x) for x in data["buddies"]]
    quota = data.get("nationality_quota")
    if quota is not None and (isinstance(quota, bool) or not isinstance(quota, int) or quota < 1):
        raise ProblemError("nationality_quota must be a whole number of at least 1")
    return Problem(
        incoming_ids=[p.id for p in incoming],
        pinned=pinned,
        forbidden=forbidden,
        mode=mode,
        incoming=incoming,
        buddies=buddies,
        policy=Policy.from_dict(data.get("policy")),
        nationality_quota=quota,
        reference_date=parse_date(data.get("reference_date"), "reference_date"),
    )


def _edges_problem(
    data: Mapping[str, Any],
    pinned: list[tuple[str, str]],
    forbidden: list[tuple[str, str]],
    mode: str,
) -> Problem:
    incoming = data["incoming"]
    for ident in incoming:
        if not isinstance(ident, str) or not ident:
            raise ProblemError("in edges mode 'incoming' is a list of non-empty string ids")
    capacities: dict[str, int] = {}
    for buddy in data["buddies"]:
        if not isinstance(buddy, Mapping) or not isinstance(buddy.get("id"), str):
            raise ProblemError('every buddy must be an object {"id": ..., "capacity": ...}')
        extra = sorted(set(buddy) - {"id", "capacity"})
        if extra:
            raise ProblemError(f"buddy {buddy['id']!r}: unknown field {extra[0]!r}")
        capacity = buddy.get("capacity", 1)
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise ProblemError(f"buddy {buddy['id']!r}: capacity must be a whole number")
        if capacity < 0:
            raise ProblemError(f"buddy {buddy['id']!r} has a negative capacity")
        if buddy["id"] in capacities:
            raise ProblemError(f"buddy id {buddy['id']!r} appears twice")
        capacities[buddy["id"]] = capacity
    if not isinstance(data["edges"], list):
        raise ProblemError("'edges' must be a list")
    edges: list[tuple[str, str, int]] = []
    for edge in data["edges"]:
        if not isinstance(edge, list) or len(edge) != 3:
            raise ProblemError("every edge must be [incoming id, buddy id, score]")
        i, b, score = edge
        if isinstance(score, bool) or not isinstance(score, int):
            raise ProblemError(f"edge ({i!r}, {b!r}): the score must be an integer")
        edges.append((i, b, score))
    return Problem(
        incoming_ids=list(incoming),
        pinned=pinned,
        forbidden=forbidden,
        mode=mode,
        capacities=capacities,
        edges=edges,
    )


def _pairs(value: Any, what: str) -> list[tuple[str, str]]:
    if not isinstance(value, list):
        raise ProblemError(f"{what!r} must be a list of [incoming id, buddy id] pairs")
    out = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2:
            raise ProblemError(f"every {what} pair must be [incoming id, buddy id]")
        out.append((pair[0], pair[1]))
    return out
