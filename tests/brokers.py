"""Brokers for tests that publish for real instead of running tasks in-process: one that does
not answer, and kombu's in-memory one. Everything is put back afterwards, eager again as the
tests run."""

from contextlib import contextmanager

from kombu import pools

# Nothing listens on port 1: connecting is refused at once.
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def unreachable_broker():
    """Tasks go to a real Redis address where nothing listens, and publishing fails at once
    (no retries)."""
    return _broker(
        UNREACHABLE_BROKER,
        broker_connection_timeout=1,
        # kombu's channel would otherwise retry the connection for about two seconds
        broker_transport_options={"max_retries": 0, "socket_connect_timeout": 1},
    )


def memory_broker():
    """Tasks are published to kombu's in-process memory transport, where nothing runs them."""
    return _broker("memory://")


@contextmanager
def _broker(url: str, **options):
    from config.celery import app

    conf = app.conf
    names = (
        "broker_url",
        "broker_write_url",
        "task_always_eager",
        "task_publish_retry",
        "broker_connection_retry",
        "broker_connection_timeout",
        "broker_transport_options",
    )
    saved = {name: conf[name] for name in names}
    saved_pool, saved_producers = app._pool, app.amqp._producer_pool
    app._pool = app.amqp._producer_pool = None  # new connections, to the new address
    conf.update(
        broker_url=url,
        broker_write_url=None,
        task_always_eager=False,
        task_publish_retry=False,
        broker_connection_retry=False,
        **options,
    )
    try:
        yield
    finally:
        # closed and forgotten: kombu keeps one pool per broker address for the process
        opened = [p for p in (app.amqp._producer_pool, app._pool) if p is not None]
        for group in (pools.producers, pools.connections):
            for hashed, resource in list(dict.items(group)):
                if any(resource is used for used in opened):
                    resource.force_close_all()
                    dict.__delitem__(group, hashed)
        conf.update(saved)
        app._pool, app.amqp._producer_pool = saved_pool, saved_producers
