"""The API's contract suite: the platform on loopback (the browser suite's stack: gunicorn with
DEBUG off, a Celery worker, Redis) on a database of its own (DATABASE_URL's name +
`_contract`), with the demo sections, a coordinator's token and a student's session.

`make contract` runs it, in a pytest run of its own, as `make e2e` runs the browser suite."""

import functools
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from e2e.stack import ADMIN_EMAIL, ADMIN_PASSWORD, PROJECT_DIR, Stack

CONTRACT_DIR = Path(__file__).resolve().parent
STUDENT_PASSWORD = "contract-student-pass-2026"


def pytest_ignore_collect(collection_path, config):
    """Collected only when the command line names this folder (or a file in it)."""
    asked = [Path(arg.split("::")[0]).resolve() for arg in config.args]
    if not any(path == CONTRACT_DIR or CONTRACT_DIR in path.parents for path in asked):
        return True
    return None


@functools.cache
def artefacts() -> Path:
    return Path(tempfile.mkdtemp(prefix="buddysystem-contract-"))


def pytest_terminal_summary(terminalreporter):
    if artefacts.cache_info().currsize:
        terminalreporter.write_line(f"contract artefacts (reports, logs): {artefacts()}")


@pytest.fixture
def fresh_cache():
    """The suite's own empties the cache, which here is the live platform's Redis."""
    yield


class ContractStack(Stack):
    def env(self) -> dict[str, str]:
        env = super().env()
        env["DATABASE_URL"] = env["DATABASE_URL"].replace("_e2e", "_contract", 1)
        # the fuzzer sends thousands of requests a minute, from one address
        env["API_REQUESTS_PER_MINUTE"] = "1000000"
        return env

    def python(self, code: str) -> str:
        """Run `code` in the platform's settings (a manage.py shell); what it prints."""
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=PROJECT_DIR,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py shell failed:\n{done.stderr[-3000:]}")
        return done.stdout.strip()


@dataclass(frozen=True)
class Callers:
    """Who calls the API in the contract suite."""

    origin: str  # http://127.0.0.1:<port>
    lille_host: str  # lille.localhost:<port>, the Host header
    public_host: str
    coordinator_token: str
    student_session: requests.Session
    admin_session: requests.Session  # the root domain's superuser: a European admin's scope

    def student_headers(self) -> dict[str, str]:
        return session_headers(self.student_session)

    def admin_headers(self) -> dict[str, str]:
        return session_headers(self.admin_session)


def session_headers(session: requests.Session) -> dict[str, str]:
    """A logged-in session's cookies, and its CSRF token for writes, as headers."""
    cookies = session.cookies
    return {
        "Cookie": f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}",
        "X-CSRFToken": cookies["csrftoken"],
    }


SETUP = """
import json
from django_tenants.utils import schema_context
from api.tokens import create_token
from core.accounts.models import User
from core.models import Profile
with schema_context("lille"):
    coordinator = User.objects.get(email="coordinator@lille.example.org")
    _token, secret = create_token(coordinator, name="contract", scope="read_write", expiry_days=7)
    student = Profile.objects.filter(
        role="incoming", email_verified_at__isnull=False
    ).select_related("user").first().user
    student.set_password(%(password)r)
    student.save(update_fields=["password"])
    print(json.dumps({"token": secret, "student": student.email}))
"""


@pytest.fixture(scope="session")
def stack():
    platform = ContractStack(work=artefacts())
    platform.start()
    platform.manage("seed_demo")
    yield platform
    platform.stop()


def log_in(
    origin: str, host: str, email: str, password: str, path: str = "/accounts/login/"
) -> requests.Session:
    session = requests.Session()
    session.headers["Host"] = host
    session.get(f"{origin}{path}").raise_for_status()
    answer = session.post(
        f"{origin}{path}",
        {
            "username": email,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"http://{host}{path}"},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    return session


@pytest.fixture(scope="session")
def callers(stack) -> Callers:
    made = json.loads(stack.python(SETUP % {"password": STUDENT_PASSWORD}).splitlines()[-1])
    origin = f"http://127.0.0.1:{stack.port}"
    lille_host = f"lille.localhost:{stack.port}"
    public_host = f"localhost:{stack.port}"
    return Callers(
        origin=origin,
        lille_host=lille_host,
        public_host=public_host,
        coordinator_token=made["token"],
        student_session=log_in(origin, lille_host, made["student"], STUDENT_PASSWORD),
        admin_session=log_in(origin, public_host, ADMIN_EMAIL, ADMIN_PASSWORD, "/network/login/"),
    )
