"""A client generated from the section's schema (openapi-python-client) does what a
university's script does: imports a list of incoming students, matches, and reads the pairs.

This runs before the fuzzing (the file sorts first), on the demo section as seeded."""

import importlib
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import requests

from e2e.stack import body

ROWS = [
    ("aiko.tanaka@example.jp", "Aiko", "Tanaka", "JP", "Université de Lille", "Kyoto University"),
    ("lucas.silva@example.br", "Lucas", "Silva", "BR", "Institut polytechnique", "USP"),
    ("emma.berg@example.se", "Emma", "Berg", "SE", "Université de Lille", "Lund University"),
]


def roster() -> bytes:
    arrival = date.today() + timedelta(days=20)
    departure = arrival + timedelta(days=150)
    lines = [
        "email,first_name,last_name,nationality,arrival_date,departure_date,"
        "place_of_study,home_university,language"
    ]
    for email, first, last, country, place, home in ROWS:
        lines.append(f"{email},{first},{last},{country},{arrival},{departure},{place},{home},en")
    return ("\n".join(lines) + "\n").encode()


def generate(origin: str, host: str, folder: Path):
    """The client package, generated from the live schema, imported."""
    schema = folder / "section-schema.json"
    answer = requests.get(
        f"{origin}/api/v1/schema/?format=json", headers={"Host": host}, timeout=30
    )
    answer.raise_for_status()
    schema.write_bytes(answer.content)
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            *("generate", "--path", str(schema), "--meta", "none"),
            *("--output-path", str(folder / "buddysystem_client"), "--overwrite"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},  # its ruff post-hook
        check=False,
        cwd=folder,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(folder))
    return importlib.import_module("buddysystem_client")


def until(check, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("timed out")


def test_a_generated_client_imports_students_and_reads_the_pairs(stack, callers, tmp_path):
    package = generate(callers.origin, callers.lille_host, tmp_path)
    api = importlib.import_module("buddysystem_client.api")
    imports = importlib.import_module("buddysystem_client.api.imports")
    matching = importlib.import_module("buddysystem_client.api.matching")
    models = importlib.import_module("buddysystem_client.models")
    types = importlib.import_module("buddysystem_client.types")
    for name in ("imports_create", "imports_commit_create"):
        importlib.import_module(f"{imports.__name__}.{name}")
    for name in (
        "match_runs_start_create",
        "match_runs_retrieve",
        "match_runs_proposals_confirm_create",
        "confirmations_retrieve",
        "pairs_list",
    ):
        importlib.import_module(f"{matching.__name__}.{name}")
    assert api
    client = package.AuthenticatedClient(
        base_url=callers.origin,
        token=callers.coordinator_token,
        headers={"Host": callers.lille_host},
        raise_on_unexpected_status=True,
    )

    # the university's list of incoming students: previewed, then imported
    upload = models.UploadRequest(
        file=types.File(payload=BytesIO(roster()), file_name="roster.csv", mime_type="text/csv")
    )
    batch = imports.imports_create.sync(client=client, body=upload)
    assert isinstance(batch, models.Batch), batch
    assert batch.can_commit and len(batch.rows) == 3 and batch.problems == []
    committed = imports.imports_commit_create.sync(client=client, batch_id=batch.id)
    assert isinstance(committed, models.Commit), committed
    for email, first, *_rest in ROWS:
        invitation = stack.wait_for_email(to=email)[0]
        assert first in body(invitation)

    # a match run of the section's waiting students, confirmed, then its pairs read
    run = matching.match_runs_start_create.sync(client=client, body=models.StartRunRequest())
    assert isinstance(run, models.Run), run

    def finished():
        current = matching.match_runs_retrieve.sync(client=client, run_id=run.id)
        return current if current.status.value in ("succeeded", "failed") else None

    done = until(finished)
    assert done.status.value == "succeeded", done.error
    assert done.result.matched > 0
    confirmation = matching.match_runs_proposals_confirm_create.sync(
        client=client, run_id=run.id, body=models.ConfirmRequest(all_=True)
    )
    assert isinstance(confirmation, models.Confirmation), confirmation
    until(
        lambda: (
            matching.confirmations_retrieve.sync(
                client=client, confirmation_id=confirmation.id
            ).status.value
            == "done"
        )
    )
    pairs = matching.pairs_list.sync(client=client, page_size=200)
    assert isinstance(pairs, models.PaginatedPairList)
    assert pairs.count == done.result.matched
    assert all(
        pair.incoming and pair.buddy and pair.origin.value == "run" for pair in pairs.results
    )
