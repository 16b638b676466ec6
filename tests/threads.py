"""Work started at the same moment from several threads, as two workers or two browsers
would: each call in a thread of its own, on its own database connection. What they read
must be committed."""

import threading
from collections.abc import Callable

from django.db import connection
from django_tenants.utils import schema_context

from core.outbox import services as outbox


def at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls side by side, started together; their results, once all are done (in the
    order they finished). Any call that raised fails the test."""
    start = threading.Barrier(len(calls))
    errors, results = [], []

    def run(call: Callable[[], object]) -> None:
        try:
            start.wait(timeout=10)
            results.append(call())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def relays_at_once(count: int = 2, schema: str = "lille") -> list[outbox.Relayed]:
    """`count` outbox relays of `schema` at the same moment; their reports."""

    def relay() -> outbox.Relayed:
        with schema_context(schema):
            return outbox.relay()

    return at_once([relay] * count)
