"""Test setup: a real PostgreSQL with two sections, `lille` and `paris`, onboarded once."""

import os
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import Client, override_settings
from django.utils import translation
from django_tenants.utils import schema_context
from psycopg import sql

from celery_worker import celery_worker  # noqa: F401 - a fixture
from clients import section_client

TEST_SECTIONS = {
    "lille": dict(name="ESN Lille", city="Lille", country="FR", language="fr"),
    "paris": dict(name="ESN Paris", city="Paris", country="FR", language="en"),
}


def coordinator_email(slug: str) -> str:
    return f"coordinator@{slug}.example.org"


@pytest.fixture(scope="session", autouse=True)
def fast_password_hasher():
    """Passwords are hashed with MD5 in the tests: PBKDF2's many rounds are made for attackers,
    and the suite hashes a password for every student it creates. The project's hashers stay
    listed after it, so a hash made elsewhere (the Celery worker's process) still checks.
    override_settings sends `setting_changed`, which empties Django's cache of hashers."""
    fast = "django.contrib.auth.hashers.MD5PasswordHasher"
    hashers = [fast, *(h for h in settings.PASSWORD_HASHERS if h != fast)]
    with override_settings(PASSWORD_HASHERS=hashers):
        from django.contrib.auth.hashers import get_hasher

        assert get_hasher().algorithm == "md5", "the fast hasher is not in effect"
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Onboard the test sections once per session (kept with --reuse-db)."""
    from core.outbox.models import OutboxMessage
    from tenants.models import Section
    from tenants.onboarding import SectionDetails, onboard_section

    with django_db_blocker.unblock():
        for slug, info in TEST_SECTIONS.items():
            if not Section.objects.filter(schema_name=slug).exists():
                onboard_section(
                    SectionDetails(
                        slug=slug,
                        name=info["name"],
                        city=info["city"],
                        country=info["country"],
                        coordinator_email=coordinator_email(slug),
                        default_language=info["language"],
                    )
                )
            # The coordinators' invitations were written while no relay could run (a broker
            # with no worker): done, so that every test's outbox holds only what it caused.
            with schema_context(slug):
                OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).update(
                    status=OutboxMessage.Status.SKIPPED
                )


@pytest.fixture
def django_capture_on_commit_callbacks(django_capture_on_commit_callbacks):
    """pytest-django's, except that the callbacks leave the connection as a real commit
    takes them: with `execute=True` each is taken off before it runs; with `execute=False`
    they are dropped unrun, as if the commit happened and its relay kick was lost (the broker
    was down): the outbox rows stay pending for a later relay.

    The outbox kicks its relay once per transaction: it looks for its kick among the
    connection's pending callbacks. pytest-django leaves the callbacks it captured there, so
    a later `execute=True` block in the same test, or an email written while the relay runs
    (the waiting-list emails of a run the relay started), would find the old kick and never
    be relayed.
    """

    @contextmanager
    def capture(*, using=DEFAULT_DB_ALIAS, execute=False):
        connection = connections[using]
        if not execute:
            with django_capture_on_commit_callbacks(using=using) as callbacks:
                yield callbacks
            connection.run_on_commit = [
                entry for entry in connection.run_on_commit if entry[1] not in callbacks
            ]
            return
        start = len(connection.run_on_commit)
        callbacks = []
        try:
            yield callbacks
        finally:
            while len(connection.run_on_commit) > start:
                committed = connection.run_on_commit[start:]
                del connection.run_on_commit[start:]
                for _savepoints, callback, _robust in committed:
                    callbacks.append(callback)
                    callback()

    return capture


@pytest.fixture(autouse=True)
def back_to_public_schema():
    """Requests and fixtures switch the connection to a section; every test starts public."""
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def default_language():
    """A request leaves its language active in the thread; each test starts in English."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Cached sections must not outlive the test transaction that changed them."""
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def tasks_run_in_process(request):
    """Tasks run eagerly, in the test's transaction, except in the real-worker tests."""
    from config.celery import app

    if "celery_worker" in request.keywords:
        yield
        return
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def lille(db):
    from tenants.models import Section

    return Section.objects.get(schema_name="lille")


@pytest.fixture
def paris(db):
    from tenants.models import Section

    return Section.objects.get(schema_name="paris")


@pytest.fixture
def in_section():
    """`with in_section(section):` runs the block in that section's schema."""
    return lambda section: schema_context(section.schema_name)


@pytest.fixture
def client_for():
    """`client_for(section, user=None, language="en")`: a client on the section's host."""
    return section_client


@pytest.fixture
def coordinator_user(lille, in_section):
    """Lille's first coordinator (onboarded with the section)."""
    from core.accounts.models import User

    with in_section(lille):
        return User.objects.get(is_coordinator=True)


@pytest.fixture
def coordinator(lille, coordinator_user) -> Client:
    """A client logged in as Lille's coordinator, reading English."""
    return section_client(lille, coordinator_user)


@pytest.fixture
def public_client(db) -> Client:
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def lille_client(db) -> Client:
    return Client(HTTP_HOST="lille.localhost")


@pytest.fixture
def paris_client(db) -> Client:
    return Client(HTTP_HOST="paris.localhost")


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
    from core.events.models import Event, Message
    from core.models import AuditEvent, Hobby, PlaceOfStudy, SectionSettings
    from core.outbox.models import OutboxMessage
    from matching.models import MatchingPolicy, MatchRun, Pair
    from tenants.models import Section

    # deleted in this order: pairs, runs, messages and events before their students, students
    # before the catalogue; the settings are singletons made when first read
    models = [Pair, MatchRun, Message, Event, OutboxMessage, AuditEvent, Session, User]
    models += [PlaceOfStudy, Hobby]
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


def pytest_collection_finish(session):
    """Tests that need Redis are skipped without it, except in CI, where they must run."""
    needs_redis = [item for item in session.items if "celery_worker" in item.keywords]
    if not needs_redis or os.environ.get("REDIS_URL"):
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("CI must set REDIS_URL: the Celery worker tests cannot be skipped")
    for item in needs_redis:
        item.add_marker(pytest.mark.skip(reason="REDIS_URL is not set"))
