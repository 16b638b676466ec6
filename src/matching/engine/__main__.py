"""`python -m matching.engine solve|score`: a problem as JSON on stdin, the answer on stdout.

Exit status 0 on success, 2 on invalid JSON or an inconsistent problem, with one line on
stderr naming what is wrong.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from matching.engine.errors import ProblemError
from matching.engine.problem import Problem, parse_problem
from matching.engine.solver import Assignment


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _fail(message: str) -> int:
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return 2


@contextmanager
def _solver_calls() -> Iterator[list[Assignment]]:
    """Collect the Assignment of every `solve_edges` call that `match`/`match_edges` make.

    `MatchResult.seconds` also counts the id-to-index conversion (about 0.3 s on 3 million
    edges) or the scoring; the solver's own clock is in `Assignment.stats["seconds"]`, which
    the match functions do not return, so it is read here, around the name they call.
    """
    module = importlib.import_module("matching.engine.match")
    inner = module.solve_edges
    calls: list[Assignment] = []

    def recorded(*args: Any, **kwargs: Any) -> Assignment:
        assignment = inner(*args, **kwargs)
        calls.append(assignment)
        return assignment

    module.solve_edges = recorded
    try:
        yield calls
    finally:
        module.solve_edges = inner


def _solve(problem: Problem) -> dict[str, Any]:
    """The result as `solve` prints it: `seconds` is the solver's own time, `match_seconds`
    the match result's (the solver plus the conversion to index arrays, or the scoring)."""
    with _solver_calls() as calls:
        result = problem.solve()
    if len(calls) != 1:  # match.py no longer calls solve_edges by that name: fail, never guess
        raise AssertionError(f"expected one solve_edges call, saw {len(calls)}")
    output = result.to_json()
    output["seconds"] = round(calls[0].stats["seconds"], 6)
    output["match_seconds"] = round(result.seconds, 6)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m matching.engine",
        description="Exact buddy matching. Reads a problem as JSON on stdin (see README.md).",
    )
    parser.add_argument(
        "command",
        choices=("solve", "score"),
        help="solve: the optimal pairs; score: every feasible pair with its score",
    )
    args = parser.parse_args(argv)
    text = sys.stdin.read()
    started = time.perf_counter()
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        return _fail(f"invalid JSON: {exc}")
    try:
        problem = parse_problem(data)
        output = _solve(problem) if args.command == "solve" else problem.score()
    except ProblemError as exc:
        return _fail(str(exc))
    output["total_seconds"] = round(time.perf_counter() - started, 6)
    json.dump(output, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
