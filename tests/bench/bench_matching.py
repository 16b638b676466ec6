"""The exact matching solver against scipy's linear_sum_assignment, in the same run.

Run by `make bench` (`.venv/bin/python tests/bench/bench_matching.py`). Edge-mode instances of
500x300, 2,000x1,200, 5,000x3,000 and 10,000x6,000 (incoming x buddies; capacities 1-3, about
20% of pairs feasible, integer scores 1-10,000), plus hard ones: capacity short of demand,
scores 1-5; and one scored by the engine from random profiles, as a section's are: about half
of pairs feasible, coarse scores with huge ties, some buddies everyone's favourites. Both
solvers must reach the same objective (students matched, then total score).

scipy solves the capacity-expanded matrix: one column per unit of buddy capacity, weight
C + score on a feasible pair and 0 elsewhere (an assignment of weight 0 means "unmatched"),
with C larger than any difference of totals, maximised. Its time is the linear_sum_assignment
call alone (building the matrix is not counted); ours is the whole `solve_edges` call. Each
solver solves each instance 3 times in its process and the median time is printed.

Memory: each solver runs in a subprocess of its own that loads the instance (the edge arrays,
the input both start from) and imports its libraries, then resets the kernel's peak-RSS mark
(writing 5 to /proc/self/clear_refs); the figure is the peak resident set (VmHWM) reached
while solving (the highest of the 3 runs) minus the resident set before, so it counts
everything the solver allocates, in C++ and numpy alike. For scipy that includes the dense
matrix it needs as input.

BENCH_MATCHING_MAX_INCOMING=2000 skips instances with more incoming students (a quick run).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
SRC = BENCH_DIR.parents[1] / "src"

# (name, incoming, buddies, capacity range, density, score range)
INSTANCES = [
    ("500x300", 500, 300, (1, 3), 0.2, (1, 10_000)),
    ("2000x1200", 2_000, 1_200, (1, 3), 0.2, (1, 10_000)),
    ("5000x3000", 5_000, 3_000, (1, 3), 0.2, (1, 10_000)),
    ("10000x6000", 10_000, 6_000, (1, 3), 0.2, (1, 10_000)),
    ("hard 5000x3000", 5_000, 3_000, (1, 1), 0.2, (1, 5)),
    ("hard sparse 5000x3000", 5_000, 3_000, (1, 1), 0.002, (1, 5)),
    # Scored from random profiles (make_profiles_instance): dense, coarse, tie-heavy.
    ("profiles 5000x3000", 5_000, 3_000, None, None, None),
]
# The goals: speed-up over scipy per instance, and at most this share of its memory.
SPEEDUP_GOALS = {"5000x3000": 3.0, "10000x6000": 5.0, "hard 5000x3000": 1.0}
SPEEDUP_GOALS["hard sparse 5000x3000"] = 1.0
SPEEDUP_GOALS["profiles 5000x3000"] = 1.0
MEMORY_SHARE_GOAL = 0.25
# Each solver solves each instance this many times in its process; the median time counts.
REPEATS = 3


def make_instance(n, m, caps, density, scores, seed, folder: Path) -> None:
    """Edges grouped by incoming student, as a scorer produces them, saved as .npy files."""
    rng = np.random.default_rng(seed)
    capacity = rng.integers(caps[0], caps[1] + 1, size=m).astype(np.int64)
    parts_i, parts_b = [], []
    for r0 in range(0, n, 500):
        r1 = min(n, r0 + 500)
        rows, cols = np.nonzero(rng.random((r1 - r0, m), dtype=np.float32) < density)
        parts_i.append((rows + r0).astype(np.int32))
        parts_b.append(cols.astype(np.int32))
    ei, eb = np.concatenate(parts_i), np.concatenate(parts_b)
    es = rng.integers(scores[0], scores[1] + 1, size=len(ei), dtype=np.int32)
    for name, arr in (("cap", capacity), ("ei", ei), ("eb", eb), ("es", es)):
        np.save(folder / f"{name}.npy", arr)
    (folder / "n.txt").write_text(str(n))


def make_profiles_instance(n, m, seed, folder: Path) -> None:
    """Edges scored by the engine from random profiles, as a section's are: most students speak
    English, so most pairs are feasible, and scores are coarse (a few hundred distinct values,
    huge ties). Profiles drawn as tests/bench/bench_match_run.py draws them."""
    sys.path.insert(0, str(SRC))
    from matching.engine import Buddy, Incoming, Policy, score_edges

    rng = random.Random(seed)  # noqa: S311 - reproducible bench data
    today = dt.date(2026, 9, 1)
    languages = ["es", "it", "de", "pl", "pt", "nl", "sv", "el", "tr", "cs", "ja", "zh"]

    def person(k: int, incoming: bool) -> dict:
        codes = {rng.choice(languages)} if incoming else {"fr"}
        if rng.random() < 0.8:
            codes.add("en")
        if rng.random() < 0.3:
            codes.add(rng.choice([*languages, "fr"]))
        return dict(
            id=f"{'i' if incoming else 'b'}{k}",
            languages={c: rng.choice(["B1", "B2", "C1", "native"]) for c in codes},
            hobbies=rng.sample([f"hobby {h}" for h in range(15)], rng.randint(1, 5)),
            place_of_study=f"campus {rng.randrange(4)}",
            faculty=rng.choice(["law", "medicine", "engineering", "arts", "economics"]),
            birth_date=today - dt.timedelta(days=rng.randint(18 * 365, 30 * 365)),
            gender=rng.choice(["woman", "man", "non_binary", None]),
            gender_preference="same" if rng.random() < 0.1 else "any",
            nationality=rng.choice(["ES", "IT", "DE", "PL", "TR", "CN"]) if incoming else "FR",
        )

    incoming = []
    for k in range(n):
        arrival = today + dt.timedelta(days=rng.randint(-10, 120))
        incoming.append(
            Incoming(**person(k, True), arrival=arrival, departure=arrival + dt.timedelta(days=150))
        )
    buddies = [
        Buddy(
            **person(k, False),
            available_from=today - dt.timedelta(days=rng.randint(0, 60)),
            available_until=today + dt.timedelta(days=rng.randint(60, 300)),
            capacity=rng.randint(1, 3),
            experience=rng.choice([0, 0, 1, 2, 3]),
        )
        for k in range(m)
    ]
    edges = score_edges(incoming, buddies, Policy(), today)
    capacity = np.array([b.capacity for b in buddies], dtype=np.int64)
    for name, arr in (("cap", capacity), ("ei", edges.incoming), ("eb", edges.buddy)):
        np.save(folder / f"{name}.npy", arr)
    np.save(folder / "es.npy", edges.score)
    (folder / "n.txt").write_text(str(n))


def _status(field: str) -> int:
    """A /proc/self/status figure, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(solver: str, folder: Path) -> None:
    """Runs in a subprocess: load, reset the peak mark, solve, report as one JSON line."""
    sys.path.insert(0, str(SRC))
    n = int((folder / "n.txt").read_text())
    cap, ei, eb, es = (np.load(folder / f"{x}.npy") for x in ("cap", "ei", "eb", "es"))
    if solver == "ours":
        from matching.engine.solver import solve_edges

        solve_edges(2, [1], [0, 1], [0, 0], [1, 2])  # loads OR-Tools' code before measuring
    else:
        from scipy.optimize import linear_sum_assignment

        linear_sum_assignment(np.ones((2, 2)))
    Path("/proc/self/clear_refs").write_text("5")
    before = _status("VmRSS")
    times = []
    for _ in range(REPEATS):
        if solver == "ours":
            started = time.perf_counter()
            result = solve_edges(n, cap, ei, eb, es)
            times.append(time.perf_counter() - started)
            matched, total = result.matched, result.total_score
            extra = {"rounds": result.rounds, "edges_solved": result.edges_solved}
        else:
            slots = int(cap.sum())
            first = np.concatenate([[0], np.cumsum(cap)[:-1]])
            top = int(np.abs(es).max()) if len(es) else 1
            big = float(2 * n * top + 1)
            weight = np.zeros((n, slots))
            for copy in range(int(cap.max()) if len(cap) else 0):
                sel = cap[eb] > copy
                weight[ei[sel], first[eb[sel]] + copy] = es[sel] + big
                del sel
            started = time.perf_counter()
            rows, cols = linear_sum_assignment(weight, maximize=True)
            times.append(time.perf_counter() - started)
            values = weight[rows, cols]
            used = values > 0
            scores = np.rint(values[used] - big).astype(np.int64)
            matched, total = int(used.sum()), int(scores.sum())
            extra = {}
            del weight, rows, cols, values, used, scores
    seconds = statistics.median(times)
    peak = _status("VmHWM") - before
    print(json.dumps(dict(seconds=seconds, peak=peak, matched=matched, total=total, **extra)))


def measure(solver: str, folder: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", solver, str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{solver} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    limit = int(os.environ.get("BENCH_MATCHING_MAX_INCOMING", "0")) or None
    print(
        f"{'instance':<24}{'edges':>11}{'matched':>9}{'ours s':>9}{'scipy s':>9}"
        f"{'speed-up':>10}{'ours MB':>9}{'scipy MB':>10}{'mem share':>11}  goal"
    )
    failures = 0
    for name, n, m, caps, density, scores in INSTANCES:
        if limit is not None and n > limit:
            continue
        # In memory (tmpfs) where there is one, so no disk writeback runs during the timing.
        # TemporaryDirectory makes a private folder there, so the shared location is safe.
        shm = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108
        with tempfile.TemporaryDirectory(prefix="bench_matching_", dir=shm) as tmp:
            folder = Path(tmp)
            seed = len(name) * 7919 + n
            if caps is None:
                make_profiles_instance(n, m, seed, folder)
            else:
                make_instance(n, m, caps, density, scores, seed, folder)
            edges = len(np.load(folder / "es.npy", mmap_mode="r"))
            ours = measure("ours", folder)
            ref = measure("scipy", folder)
        same = (ours["matched"], ours["total"]) == (ref["matched"], ref["total"])
        speedup = ref["seconds"] / max(ours["seconds"], 1e-9)
        share = ours["peak"] / max(ref["peak"], 1)
        goal = SPEEDUP_GOALS.get(name)
        verdict = ""
        if goal is not None:
            met = speedup >= goal and share <= MEMORY_SHARE_GOAL
            verdict = f"{'met' if met else 'MISSED'} (>= {goal:g}x, <= 1/4 memory)"
        if not same:
            failures += 1
            verdict = f"OBJECTIVES DIFFER: ours {ours}, scipy {ref}"
        mb = 1024 * 1024
        print(
            f"{name:<24}{edges:>11,}{ours['matched']:>9,}{ours['seconds']:>9.3f}"
            f"{ref['seconds']:>9.3f}{speedup:>9.1f}x{ours['peak'] / mb:>9.0f}"
            f"{ref['peak'] / mb:>10.0f}{share:>11.3f}  {verdict}",
            flush=True,
        )
    print(
        "Same objective (matched, then total score) checked on every instance. Time: ours = the"
        " solve_edges call, scipy = the linear_sum_assignment call (median of 3). MB: peak"
        " resident memory above the loaded instance, each solver in its own process."
    )
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]))
    else:
        sys.exit(main())
