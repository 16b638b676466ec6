"""`python -m matching.engine solve|score` through a real subprocess (in-process where a test
watches the solver)."""

import importlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from matching.engine.__main__ import main

SRC = Path(__file__).resolve().parents[3] / "src"

EDGES = {
    "incoming": ["i1", "i2", "i3"],
    "buddies": [{"id": "b1", "capacity": 1}, {"id": "b2", "capacity": 2}],
    "edges": [["i1", "b1", 37], ["i2", "b1", 40], ["i2", "b2", 5], ["i3", "b2", 12]],
}
PROFILES = {
    "incoming": [
        {
            "id": "i1",
            "languages": {"es": "native", "en": "B2"},
            "hobbies": ["football", "hiking"],
            "place_of_study": "Université de Lille",
            "birth_date": "2002-03-01",
            "gender": "female",
            "gender_preference": "same",
            "nationality": "ES",
            "arrival": "2025-09-01",
            "departure": "2026-01-31",
        },
        {"id": "i2", "languages": ["en"], "age": 23, "nationality": "IT"},
    ],
    "buddies": [
        {
            "id": "b1",
            "languages": ["en", "fr"],
            "hobbies": ["Hiking"],
            "place_of_study": "université de lille",
            "gender": "female",
            "age": 24,
            "nationality": "FR",
            "available_from": "2025-08-20",
            "available_until": "2026-06-30",
            "capacity": 1,
            "experience": 2,
        },
        {"id": "b2", "languages": ["en"], "gender": "male", "capacity": 1},
    ],
    "policy": {"weights": {"shared_hobbies": 100}, "hard_constraints": {"dates_overlap": True}},
    "reference_date": "2025-08-01",
    "nationality_quota": 1,
}


def run(command: str, payload) -> subprocess.CompletedProcess:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return subprocess.run(
        [sys.executable, "-m", "matching.engine", command],
        input=text,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )


def test_solve_edges_mode():
    out = run("solve", dict(EDGES, pinned=[["i3", "b2"]], forbidden=[["i2", "b1"]]))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result) == {
        "pairs",
        "matched",
        "total_score",
        "optimal",
        "seconds",
        "match_seconds",
        "total_seconds",
    }
    assert result["pairs"] == [
        {"incoming": "i1", "buddy": "b1", "score": 37, "breakdown": {}},
        {"incoming": "i2", "buddy": "b2", "score": 5, "breakdown": {}},
        {"incoming": "i3", "buddy": "b2", "score": 12, "breakdown": {}},
    ]
    assert (result["matched"], result["total_score"], result["optimal"]) == (3, 54, True)
    # Nested clocks: the solver inside the match call inside the whole command.
    assert 0 <= result["seconds"] <= result["match_seconds"] <= result["total_seconds"]


def many_edges(n=200, m=50) -> dict:
    """Every pair an edge, with scores scattered enough that the solver has work to do."""
    return {
        "incoming": [f"i{k}" for k in range(n)],
        "buddies": [{"id": f"b{k}", "capacity": 3} for k in range(m)],
        "edges": [
            [f"i{i}", f"b{b}", (i * 7919 + b * 104729) % 1000] for i in range(n) for b in range(m)
        ],
    }


@pytest.mark.parametrize("payload", [many_edges(), PROFILES], ids=["edges", "profiles"])
def test_seconds_is_the_solvers_own_clock(monkeypatch, capsys, payload):
    """`seconds` is solve_edges' own figure, not the match call's: that one also counts the
    conversion of the edges to index arrays (or the scoring), reported as `match_seconds`."""
    match_module = importlib.import_module("matching.engine.match")
    solve_edges = match_module.solve_edges
    solved = []

    def spy(*args, **kwargs):
        solved.append(solve_edges(*args, **kwargs))
        return solved[-1]

    monkeypatch.setattr(match_module, "solve_edges", spy)
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(payload)))
    assert main(["solve"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert len(solved) == 1
    assert result["seconds"] == round(solved[0].stats["seconds"], 6)
    assert result["seconds"] < result["match_seconds"] <= result["total_seconds"]


def test_fair_mode_raises_the_lowest_pair():
    edges = {
        "incoming": ["i1", "i2"],
        "buddies": [{"id": "b1", "capacity": 1}, {"id": "b2", "capacity": 1}],
        "edges": [["i1", "b1", 100], ["i1", "b2", 40], ["i2", "b1", 50], ["i2", "b2", 1]],
    }
    flow = json.loads(run("solve", edges).stdout)
    fair = json.loads(run("solve", dict(edges, mode="fair")).stdout)
    assert (flow["total_score"], min(p["score"] for p in flow["pairs"])) == (101, 1)
    assert (fair["total_score"], min(p["score"] for p in fair["pairs"])) == (90, 40)


def test_solve_profiles_mode_explains_each_pair():
    out = run("solve", PROFILES)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    pairs = {p["incoming"]: p for p in result["pairs"]}
    assert pairs["i1"]["buddy"] == "b1"
    assert pairs["i2"]["buddy"] == "b2"
    first = pairs["i1"]
    assert sum(first["breakdown"].values()) == first["score"]
    assert first["breakdown"]["shared_hobbies"] == 100 * 20  # one shared hobby of five
    assert result["optimal"] is True


def test_score_lists_every_feasible_pair():
    out = run("score", PROFILES)
    assert out.returncode == 0, out.stderr
    pairs = json.loads(out.stdout)["pairs"]
    # i1 asks for a buddy of the same gender: b2 is out.
    assert {(p["incoming"], p["buddy"]) for p in pairs} == {
        ("i1", "b1"),
        ("i2", "b1"),
        ("i2", "b2"),
    }
    scored = json.loads(run("score", dict(EDGES, forbidden=[["i1", "b1"]])).stdout)
    assert set(scored) == {"pairs", "seconds", "total_seconds"}
    assert 0 <= scored["seconds"] <= scored["total_seconds"]
    assert len(scored["pairs"]) == 3
    pinned = run("score", dict(PROFILES, pinned=[["i1", "b1"]]))
    assert pinned.returncode == 0, pinned.stderr


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"incoming": [], "buddies": [], "edges": [], "x": NaN}', "invalid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (dict(EDGES, edges=[["i1", "b9", 3]]), "an edge names an unknown buddy: 'b9'"),
        (dict(EDGES, edges=[["i7", "b1", 3]]), "unknown incoming student: 'i7'"),
        (dict(EDGES, edges=[["i1", "b1", 2.5]]), "the score must be an integer"),
        (dict(EDGES, edges=[["i1", "b1", 2], ["i1", "b1", 3]]), "listed twice"),
        (dict(EDGES, buddies=[{"id": "b1", "capacity": -1}]), "'b1' has a negative capacity"),
        (dict(EDGES, pinned=[["i1", "b1"]], forbidden=[["i1", "b1"]]), "also forbidden"),
        (dict(EDGES, pinned=[["i1", "b2"]]), "pinned pair ('i1', 'b2') is not a feasible pair"),
        (dict(EDGES, pinned=[["i1", "b1"], ["i2", "b1"]]), "more pinned students than capacity"),
        (dict(EDGES, pinned=[["i1", "b1", "x"]]), "pinned pair must be"),
        (dict(EDGES, mode="best"), "mode must be one of"),
        (dict(EDGES, nationality_quota=1), "not in edges mode"),
        (dict(PROFILES, pinned=[["i1", "b2"]]), "breaks the hard constraint gender_preference"),
        (dict(PROFILES, policy={"weights": {"charm": 5}}), "unknown criterion"),
        (dict(PROFILES, policy={"weights": {"shared_hobbies": 101}}), "from 0 to 100"),
        (dict(PROFILES, nationality_quota=0), "at least 1"),
        (dict(PROFILES, buddies=[{"id": "b1", "capacity": -2}]), "capacity must be"),
        (dict(PROFILES, incoming=[{"id": "i1", "arrival": "1st of May"}]), "YYYY-MM-DD"),
        (dict(PROFILES, incoming=[{"id": "i1", "favourite": 1}]), "unknown field"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(payload, message):
    for command in ("solve", "score"):
        out = run(command, payload)
        assert out.returncode != 0
        assert out.stdout == ""
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1, out.stderr
        assert message in lines[0]
