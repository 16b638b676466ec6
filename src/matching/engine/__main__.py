"""`python -m matching.engine solve|score`: a problem as JSON on stdin, the answer on stdout.

Exit status 0 on success, 2 on invalid JSON or an inconsistent problem, with one line on
stderr naming what is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from matching.engine.errors import ProblemError
from matching.engine.problem import parse_problem


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _fail(message: str) -> int:
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return 2


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
        output = problem.solve().to_json() if args.command == "solve" else problem.score()
    except ProblemError as exc:
        return _fail(str(exc))
    output["total_seconds"] = round(time.perf_counter() - started, 6)
    json.dump(output, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
