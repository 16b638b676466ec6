"""Shared pieces of the outbox tests: a mail server the tests control, a broker that does not
answer, and log records kept while tasks are published."""

import logging
import threading
import time
from contextlib import contextmanager

import pytest
from django.core.mail.backends.locmem import EmailBackend
from kombu import pools

# Nothing listens on port 1: connecting is refused at once.
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


class MailServer:
    """What the tests' mail backend does: fail (with `error`, `failures` times or for ever),
    take `delay` seconds per send, and count every email it accepted, by recipient."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.error: Exception | None = None
            self.failures: int | None = None  # None: for ever, while `error` is set
            self.delay = 0.0
            self.tries = 0
            self.delivered: list[str] = []

    def fail(self, error: Exception, times: int | None = None) -> None:
        with self.lock:
            self.error, self.failures = error, times

    def recover(self) -> None:
        with self.lock:
            self.error = self.failures = None

    def accept(self, messages) -> None:
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.tries += 1
            if self.error is not None and self.failures != 0:
                if self.failures is not None:
                    self.failures -= 1
                raise self.error
            for message in messages:
                self.delivered.extend(message.to)


SERVER = MailServer()


class ControlledMailBackend(EmailBackend):
    """The locmem backend (mail.outbox) behind the tests' MailServer; thread-safe."""

    def send_messages(self, messages):
        SERVER.accept(messages)
        return super().send_messages(messages)


@pytest.fixture
def mail_server(settings):
    """The tests' mail server, in place of the locmem backend for this test."""
    SERVER.reset()
    backend = ControlledMailBackend
    settings.EMAIL_BACKEND = f"{backend.__module__}.{backend.__qualname__}"
    yield SERVER
    SERVER.reset()


@pytest.fixture
def broker_unreachable():
    """`with broker_unreachable():` see `_broker_unreachable`."""
    return _broker_unreachable


@contextmanager
def _broker_unreachable():
    """Tasks go to a real Redis address where nothing listens, and publishing fails at once
    (no retries); everything is put back afterwards, eager again as the tests run."""
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
        broker_url=UNREACHABLE_BROKER,
        broker_write_url=None,
        task_always_eager=False,
        task_publish_retry=False,
        broker_connection_retry=False,
        broker_connection_timeout=1,
        # kombu's channel would otherwise retry the connection for about two seconds
        broker_transport_options={"max_retries": 0, "socket_connect_timeout": 1},
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


@pytest.fixture
def log(caplog, settings):
    """caplog at DEBUG, kept while tasks are published: every publish imports the task modules
    (config.celery.publish), which makes Celery's Django fixup call django.setup() again, and
    that would configure logging anew and drop caplog's handler."""
    settings.LOGGING_CONFIG = None
    caplog.set_level(logging.DEBUG)
    return caplog
