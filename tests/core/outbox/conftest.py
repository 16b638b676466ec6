"""Shared pieces of the outbox tests: a mail server the tests control, an outbox holding only
what the test wrote, a broker that does not answer, committed data in lille that is removed
afterwards, and log records kept while tasks are published."""

import logging
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from django.contrib.sessions.models import Session
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django_tenants.utils import schema_context
from kombu import pools
from psycopg import sql

HELD_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)
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


@pytest.fixture(autouse=True)
def earlier_outbox_held(django_db_setup, django_db_blocker):
    """Rows already pending in the sections' outboxes (the session's onboarding leaves each
    coordinator's invitation there) wait until the test is over, committed, so that a relay
    in the test, or a worker's, sends only what the test wrote. Put back afterwards."""
    from core.outbox.models import OutboxMessage
    from tenants.models import Section

    held = {}
    with django_db_blocker.unblock():
        for schema in Section.objects.values_list("schema_name", flat=True):
            with schema_context(schema):
                pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
                held[schema] = dict(pending.values_list("pk", "next_attempt_at"))
                pending.filter(pk__in=held[schema]).update(next_attempt_at=HELD_UNTIL)
    yield
    with django_db_blocker.unblock():
        for schema, rows in held.items():
            with schema_context(schema):
                for pk, next_attempt_at in rows.items():
                    OutboxMessage.objects.filter(
                        pk=pk, status=OutboxMessage.Status.PENDING, next_attempt_at=HELD_UNTIL
                    ).update(next_attempt_at=next_attempt_at)
    connection.set_schema_to_public()


def table_counts(schema: str) -> dict[str, int]:
    """The number of rows of every table of the schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name",
            [schema],
        )
        counts = {}
        for (table,) in cursor.fetchall():
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table)))
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def committed_lille(django_db_setup, django_db_blocker):
    """Lille, for a test that commits (outside any test transaction, in autocommit): the rows
    it adds are deleted afterwards, and every table of lille and paris is checked to hold as
    many rows as before, so that the test sections are left as they were."""
    from core.accounts.models import User
    from core.models import AuditEvent, Hobby, PlaceOfStudy, SectionSettings
    from core.outbox.models import OutboxMessage
    from matching.models import MatchingPolicy, MatchRun
    from tenants.models import Section

    # deleted in this order: a run before its students, students before the catalogue; the
    # settings are singletons made when first read
    models = [MatchRun, OutboxMessage, AuditEvent, Session, User, PlaceOfStudy, Hobby]
    models += [MatchingPolicy, SectionSettings]
    with django_db_blocker.unblock():
        section = Section.objects.get(schema_name="lille")
        counts = {schema: table_counts(schema) for schema in ("lille", "paris")}
        with schema_context("lille"):
            existing = {model: set(model.objects.values_list("pk", flat=True)) for model in models}
            last_logins = dict(User.objects.values_list("pk", "last_login"))
    connection.set_schema_to_public()
    yield section
    with django_db_blocker.unblock():
        with schema_context("lille"):
            for model in models:
                model.objects.exclude(pk__in=existing[model]).delete()
            for pk, last_login in last_logins.items():  # a login sets it
                User.objects.filter(pk=pk).update(last_login=last_login)
        after = {schema: table_counts(schema) for schema in ("lille", "paris")}
    connection.set_schema_to_public()
    assert after == counts


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
