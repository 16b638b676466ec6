import os
from functools import partial

from django.db import connection, transaction
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# CeleryApp sends the current schema with every task and switches to it in the worker:
# a task started in section A runs in A.
app = CeleryApp("buddysystem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send `task` once the current transaction commits, in the schema active *now*.

    The schema is read at call time: by the time the transaction commits the connection
    may have been switched back to public (onboarding does that).
    """
    headers = {"_schema_name": connection.schema_name}
    # robust: once the data is committed, a broker hiccup must not turn the request into an error.
    transaction.on_commit(partial(task.apply_async, args, kwargs, headers=headers), robust=True)
