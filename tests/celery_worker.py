"""A real Celery worker process for the tests marked `celery_worker` (see conftest), on a
queue of its own that this process publishes to while the fixture lasts."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app

PROJECT_DIR = Path(__file__).resolve().parents[1]


def database_url_for_worker() -> str:
    db = connection.settings_dict
    host = db["HOST"] or db.get("OPTIONS", {}).get("host", "")
    if host.startswith("/"):
        return f"postgres://{db['USER']}:{db['PASSWORD']}@/{db['NAME']}?host={host}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker(tmp_path, django_db_setup):
    """A worker process on a queue of its own, writing its emails to files, on the test
    database (set up first, whatever the order of the tests)."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_worker(),
        # django-environ drops the path's first slash: "filemail:///" + "/tmp/..." stays absolute.
        "EMAIL_URL": f"filemail:///{outbox}",
        "PYTHONPATH": str(PROJECT_DIR / "src"),
        # what the worker publishes itself (the relay starting a run) stays on its queue
        "CELERY_QUEUE": queue,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-n",
            f"{queue}@%h",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "-l",
            "WARNING",
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue  # and what this process publishes
    try:
        wait_until_ready(queue)
        yield queue, outbox
    finally:
        celery_app.conf.task_default_queue = default_queue
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
        print(output)  # shown by pytest when the test fails
    assert "Traceback" not in output, output


def wait_until_ready(name: str, timeout: float = 60) -> None:
    """Redis drops messages sent to a queue nobody has declared yet: wait for the worker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if celery_app.control.ping(destination=[f"{name}@{socket.gethostname()}"], timeout=0.5):
            return
    raise AssertionError("the worker did not start")


def wait_for_email(outbox: Path, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = list(outbox.iterdir())
        if files:
            time.sleep(0.2)  # let the worker finish writing
            return files[0].read_text()
        time.sleep(0.2)
    raise AssertionError("the worker sent no email")
