"""Outbox relays run side by side, as two workers would: each in a thread of its own, on its
own database connection, started together. The rows they relay must be committed."""

import threading

from django.db import connection
from django_tenants.utils import schema_context

from core.outbox import services as outbox


def relays_at_once(count: int = 2, schema: str = "lille") -> list[outbox.Relayed]:
    """Start `count` relays of `schema` at the same moment; their reports, once all are done."""
    start = threading.Barrier(count)
    errors, reports = [], []

    def relay() -> None:
        try:
            with schema_context(schema):
                start.wait(timeout=10)
                reports.append(outbox.relay())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=relay) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return reports
