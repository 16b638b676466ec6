"""Shared pieces of the outbox tests: a mail server the tests control, a broker that does not
answer, and log records kept while tasks are published."""

import logging
import threading
import time

import pytest
from django.core.mail.backends.locmem import EmailBackend

from brokers import unreachable_broker

# Nothing listens on port 1: connecting is refused at once.


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
    """`with broker_unreachable():` see tests/brokers.py."""
    return unreachable_broker


@pytest.fixture
def log(caplog, settings):
    """caplog at DEBUG, kept while tasks are published: every publish imports the task modules
    (config.celery.publish), which makes Celery's Django fixup call django.setup() again, and
    that would configure logging anew and drop caplog's handler."""
    settings.LOGGING_CONFIG = None
    caplog.set_level(logging.DEBUG)
    return caplog
