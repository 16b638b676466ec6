"""The platform as it runs in production, on loopback, for the browser suite: a database of
its own (DATABASE_URL's name + `_e2e`, dropped and created anew), gunicorn serving
`*.localhost` with DEBUG off, a real Celery worker on a queue of its own and Redis, and emails
written to files that the test reads (Django's file backend: one file per connection, messages
separated by a line of 79 dashes)."""

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import environ
import psycopg
import redis

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ADMIN_EMAIL = "admin@e2e.example.org"
ADMIN_PASSWORD = "e2e-admin-password-2026"
SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def e2e_database_url() -> str:
    """DATABASE_URL with `_e2e` added to the database name: never the database of another run."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("the browser suite needs DATABASE_URL (a PostgreSQL server)")
    base, _, query = url.partition("?")
    return f"{base}_e2e" + (f"?{query}" if query else "")


def recreate_database(url: str) -> None:
    config = environ.Env.db_url_config(url)
    params = {
        "dbname": "postgres",
        "user": config.get("USER"),
        "password": config.get("PASSWORD"),
        "host": config.get("HOST"),
        "port": config.get("PORT"),
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{config["NAME"]}"')


def read_emails(folder: Path) -> list[EmailMessage]:
    messages = []
    for path in sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime):
        for raw in path.read_bytes().split(SEPARATOR):
            if raw.strip():
                messages.append(email.message_from_bytes(raw, policy=email.policy.default))
    return messages


def body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain", "html")).get_content()


@dataclass
class Stack:
    """The running platform: `url(host_prefix, path)`, the emails sent, `stop()`."""

    work: Path
    port: int = field(default_factory=free_port)
    queue: str = field(default_factory=lambda: f"e2e-{uuid.uuid4().hex[:8]}")
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def mail_dir(self) -> Path:
        return self.work / "emails"

    def env(self) -> dict[str, str]:
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            raise RuntimeError("the browser suite needs REDIS_URL (a real broker and worker)")
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(PROJECT_DIR / "src"),
            "DATABASE_URL": e2e_database_url(),
            "REDIS_URL": redis_url,
            "SECRET_KEY": "e2e-test-only-not-a-secret-" + "x" * 40,
            "DEBUG": "false",
            "BASE_DOMAIN": "localhost",
            "SITE_SCHEME": "http",
            "SITE_PORT": str(self.port),
            # django-environ drops the path's first slash: "filemail:///" + "/tmp/.." stays absolute
            "EMAIL_URL": f"filemail:///{self.mail_dir}",
            "CELERY_QUEUE": self.queue,
            "STATIC_MANIFEST": "false",  # no collectstatic: the apps' files, as in the tests
            "LOG_LEVEL": "WARNING",
            "TRUSTED_PROXIES": "0",
        }

    def manage(self, *args: str, **extra_env: str) -> None:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT_DIR,
            env={**self.env(), **extra_env},
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")

    def start(self) -> None:
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        env = self.env()
        recreate_database(env["DATABASE_URL"])
        # Throttle counters of an earlier run (registrations per address) live in this Redis db.
        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        self.manage("migrate_schemas", "--shared", "--noinput", "-v", "0")
        self.manage(
            "createsuperuser",
            "--noinput",
            "--email",
            ADMIN_EMAIL,
            DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
        )
        self.spawn(
            "gunicorn.log",
            [
                *(str(BIN / "gunicorn"), "config.wsgi", "--workers=2", "--threads=2"),
                *(f"--bind=127.0.0.1:{self.port}", "--log-level=warning", "--timeout=60"),
            ],
        )
        self.spawn(
            "worker.log",
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"),
                *("-n", f"{self.queue}@%h", "-Q", self.queue, "--without-gossip"),
                *("--without-mingle", "-l", "WARNING"),
            ],
        )
        self.wait_for_server()
        self.wait_for_worker()

    def spawn(self, log: str, command: list[str]) -> None:
        self.processes.append(
            subprocess.Popen(
                command,
                cwd=PROJECT_DIR / "src",
                env=self.env(),
                stdout=(self.work / log).open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def wait_for_server(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer; see {self.work / 'gunicorn.log'}")

    def wait_for_worker(self, timeout: float = 60) -> None:
        from celery import Celery

        app = Celery(broker=self.env()["REDIS_URL"])
        deadline = time.monotonic() + timeout
        name = f"{self.queue}@{socket.gethostname()}"
        while time.monotonic() < deadline:
            if app.control.ping(destination=[name], timeout=0.5):
                return
        raise RuntimeError(f"the worker did not start; see {self.work / 'worker.log'}")

    def url(self, host: str = "", path: str = "/") -> str:
        """`url("lyon", "/register/")`; the root domain with host ""."""
        name = f"{host}.localhost" if host else "localhost"
        return f"http://{name}:{self.port}{path}"

    def emails(self, to: str | None = None) -> list[EmailMessage]:
        messages = read_emails(self.mail_dir)
        return [m for m in messages if to is None or to in m["To"]]

    def wait_for_email(self, to: str, containing: str = "", count: int = 1, timeout: float = 30):
        """The emails to `to` whose subject or body contains `containing`, once there are
        `count` of them."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.emails(to) if containing in f"{m['Subject']}\n{body(m)}"]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                subjects = [str(m["Subject"]) for m in self.emails(to)]
                raise AssertionError(f"no email to {to} mentions {containing!r}; it got {subjects}")
            time.sleep(0.3)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def logs_with_errors(self) -> list[str]:
        return [
            f"{log.name}: {line}"
            for log in self.work.glob("*.log")
            for line in log.read_text(errors="replace").splitlines()
            if "Traceback" in line or " ERROR " in line or "[ERROR]" in line
        ]
