"""schemathesis against the generated schema, on the live platform: for every operation of
both hosts, a bounded number of generated requests (valid and not), as a coordinator's token,
a student's session, a network admin's session (root domain) and an anonymous caller. No
answer may be a 5xx, and every answer must conform to the schema: its status documented, its
content type and body as described."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

# per operation and caller; CONTRACT_EXAMPLES raises it for a longer run on a developer's machine
EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "12"))
ALL_PHASES = "examples,coverage,fuzzing"
# schemathesis 4.32's coverage phase crashes on the root domain's schema since the network
# admins' writes are in it (inside hypothesis, "AST constructor recursion depth mismatch"
# while describing a filter, on Python 3.11): the root domain is fuzzed without that phase
PHASES = {"public": "examples,fuzzing", "network-admin": "examples,fuzzing"}
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


def schema_of(origin: str, host: str, folder: Path, name: str) -> Path:
    """The host's schema, as JSON, in the run's folder."""
    answer = requests.get(
        f"{origin}/api/v1/schema/?format=json", headers={"Host": host}, timeout=30
    )
    answer.raise_for_status()
    path = folder / f"schema-{name}.json"
    path.write_text(json.dumps(answer.json()))
    return path


def fuzz(
    work: Path, origin: str, host: str, name: str, headers: dict[str, str], phases: str
) -> None:
    # a folder of its own: the stack reads the server logs of `work` for errors
    folder = work / "schemathesis"
    folder.mkdir(exist_ok=True)
    schema = schema_of(origin, host, folder, name)
    command = [
        str(Path(sys.executable).parent / "st"),
        *("run", str(schema), "--url", origin),
        *("--header", f"Host: {host}"),
        *(arg for key, value in headers.items() for arg in ("--header", f"{key}: {value}")),
        *("--checks", CHECKS, "--max-examples", str(EXAMPLES)),
        *("--phases", phases, "--seed", "2026", "--workers", "2"),
        *("--generation-database", "none", "--no-color", "--request-timeout", "60"),
        *("--report", "junit", "--report-dir", str(folder / f"report-{name}")),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1200, check=False)
    (folder / f"schemathesis-{name}.log").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]


# The order matters: the coordinator's comes first, with the seeded section whole; the
# student's run may end with their account deleted and the network admin's with Lille's portal
# closed (operations the API offers), so they come last, the admin's (root domain) after.
@pytest.mark.parametrize(
    "caller", ["coordinator-token", "anonymous", "public", "student-session", "network-admin"]
)
def test_no_5xx_and_every_answer_as_the_schema_says(caller, callers, stack):
    host, headers = {
        "coordinator-token": (
            callers.lille_host,
            {"Authorization": f"Bearer {callers.coordinator_token}"},
        ),
        "anonymous": (callers.lille_host, {}),
        "public": (callers.public_host, {}),
        "network-admin": (callers.public_host, callers.admin_headers()),
        "student-session": (callers.lille_host, callers.student_headers()),
    }[caller]
    fuzz(stack.work, callers.origin, host, caller, headers, PHASES.get(caller, ALL_PHASES))


def test_the_platform_logged_no_error(stack, callers):
    assert stack.logs_with_errors() == []
