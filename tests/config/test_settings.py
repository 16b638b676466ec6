import json
import logging
import os
import subprocess
import sys

import sentry_sdk
from django.db import connection
from django_tenants.utils import schema_context

from config.embedded_db import _forget_dead_handles
from config.log import SchemaFilter
from config.sentry import init_sentry


def test_sentry_is_initialised_without_personal_data():
    try:
        init_sentry("https://public@sentry.example.invalid/1", environment="test")
        options = sentry_sdk.get_client().options
        assert options["send_default_pii"] is False
        assert options["include_local_variables"] is False
        names = {type(i).__name__ for i in sentry_sdk.get_client().integrations.values()}
        assert {"DjangoIntegration", "CeleryIntegration"} <= names
    finally:
        sentry_sdk.init(dsn=None)


def test_settings_follow_the_environment():
    env = {
        **os.environ,
        "BASE_DOMAIN": "buddies.example.eu",
        "DATABASE_URL": "postgres://u:p@db.internal:5433/buddy",
        "REDIS_URL": "redis://cache.internal:6379/2",
        "EMAIL_URL": "smtp://mailer.internal:2525",
        "DEBUG": "false",
    }
    code = (
        "from django.conf import settings as s; import json; print(json.dumps(["
        "s.ALLOWED_HOSTS, s.DATABASES['default']['HOST'], s.DATABASES['default']['ENGINE'],"
        "s.CACHES['default']['BACKEND'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_HOST, s.SITE_SCHEME]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == [
        ["buddies.example.eu", ".buddies.example.eu"],
        "db.internal",
        "django_tenants.postgresql_backend",
        "django.core.cache.backends.redis.RedisCache",
        False,
        "mailer.internal",
        "https",
    ]


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
