import os
from datetime import timedelta

from celery.signals import beat_init, celeryd_init
from django.db import connection
from tenant_schemas_celery.app import CeleryApp

from config.embedded_db import ensure_database_url

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# CeleryApp sends the current schema with every task and switches to it in the worker:
# a task started in section A runs in A.
app = CeleryApp("buddysystem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Importing this module starts nothing (importing config.settings imports it): `celery -A
# config worker|beat` starts the embedded PostgreSQL, when DATABASE_URL is not set, just
# before Celery first reads the settings. Django processes have set DATABASE_URL already.
app.on_configure.connect(lambda **_: ensure_database_url(), weak=False)


@celeryd_init.connect
@beat_init.connect
def init_sentry_in_worker(**_) -> None:
    import config.metrics  # noqa: F401 - tasks counted and timed, a worker's /metrics
    from config.sentry import init_sentry_from_settings

    init_sentry_from_settings()


# The one retry policy of after-commit work (core.outbox): minutes apart, then given up.
RETRY_DELAYS_MINUTES = (1, 2, 5, 10, 30, 60, 120)
MAX_ATTEMPTS = len(RETRY_DELAYS_MINUTES) + 1


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return timedelta(minutes=RETRY_DELAYS_MINUTES[min(attempts, MAX_ATTEMPTS - 1) - 1])


def publish(task_name: str, *args) -> None:
    """Start the task registered as `task_name` in the schema active now (in-process when
    there is no broker). Raises what the broker raises: callers decide what a failure means."""
    task_by_name(task_name).apply_async(args, headers={"_schema_name": connection.schema_name})


def task_by_name(task_name: str):
    """The registered task; the tasks modules are imported the first time one is missing (a
    web process has not imported them; importing them again would set Django up again)."""
    if task_name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[task_name]
