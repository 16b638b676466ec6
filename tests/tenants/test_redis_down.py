"""Degraded modes: with Redis stopped every page still answers. The host lookup reads the
database, the throttles count in process memory, emails wait in the outbox, and a Redis that
does not answer is tried once per breaker window (config.health.cache_call), not per request.

Redis is really down here: the cache points at a port where nothing listens (connections are
refused), or at a socket that accepts and never answers (every read times out).
"""

import logging
import os
import socket
import threading
import time
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core import cache as django_cache
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from brokers import unreachable_broker
from clients import section_client
from config import health
from core import throttling
from core.accounts.models import User
from core.outbox.models import OutboxMessage
from portal_helpers import make_catalogue, registration_data
from tenants import selectors

# Nothing listens on port 1: connecting is refused at once.
NOWHERE = "redis://127.0.0.1:1/0"
TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def redis_cache(location: str) -> dict:
    """The project's cache settings, pointed at `location`."""
    default = settings.CACHES["default"]
    return {
        "default": {
            **default,
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "OPTIONS": default.get("OPTIONS") or TIMEOUTS,
        }
    }


@pytest.fixture(autouse=True)
def fresh_breaker():
    health.cache_breaker.reset()
    throttling.memory_counters.clear()
    yield
    health.cache_breaker.reset()
    throttling.memory_counters.clear()


@contextmanager
def cache_at(location: str):
    """The `default` cache, the one the code reads (`django.core.cache.cache`), at `location`."""
    with override_settings(CACHES=redis_cache(location)):
        assert caches["default"]._servers == [location]
        assert selectors.cache is django_cache.cache is throttling.cache
        assert django_cache.cache._servers == [location]  # through the proxy
        yield caches["default"]


@pytest.fixture
def redis_down():
    with cache_at(NOWHERE) as cache:
        with pytest.raises(Exception) as refused:
            cache.get("anything")
        assert isinstance(refused.value, health.CACHE_ERRORS)
        yield cache


@pytest.fixture
def breaker_log(caplog):
    caplog.set_level(logging.WARNING, logger="config.health")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "config.health"]


@pytest.fixture
def catalogue(lille, in_section):
    with in_section(lille):
        return make_catalogue()


def test_the_cache_times_out_quickly_when_redis_is_set():
    if not settings.REDIS_URL:
        pytest.skip("the in-process cache: no timeout to set")
    options = settings.CACHES["default"]["OPTIONS"]
    assert 0 < options["socket_connect_timeout"] <= 1
    assert 0 < options["socket_timeout"] <= 1


@pytest.mark.django_db
def test_a_sections_pages_answer_with_redis_down(
    redis_down, lille, catalogue, breaker_log, django_capture_on_commit_callbacks
):
    client = section_client(lille)
    assert client.get("/").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/register/incoming/").status_code == 200
    assert Client(HTTP_HOST="nowhere.localhost").get("/").status_code == 404
    assert Client(HTTP_HOST="localhost").get("/").status_code == 200
    place, hobbies = catalogue
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/register/incoming/", registration_data("incoming", place, hobbies))
    assert response.status_code == 302
    assert response["Location"] == "/register/done/"
    assert client.get("/register/done/").status_code == 200
    with schema_context("lille"):
        assert User.objects.filter(email="ana@example.org").exists()
    # one error, logged once, naming neither a student nor a client
    [message] = breaker_log()
    assert message.startswith("cache unavailable (ConnectionError)")
    assert "ana" not in message and "127.0.0.1" not in message and "lille" not in message


@pytest.mark.django_db
def test_a_student_logs_in_with_redis_down(redis_down, lille, in_section):
    from factories import ProfileFactory

    with in_section(lille):
        ProfileFactory(user__email="ana@example.org")
    client = section_client(lille)
    login = {"username": "ana@example.org", "password": "long-enough-pass"}
    assert client.post("/accounts/login/", login).status_code == 302
    assert "My account" in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_throttles_still_throttle_with_redis_down(redis_down, lille, paris, catalogue):
    place, hobbies = catalogue
    bad = registration_data("incoming", place, hobbies, email="nope")
    client = section_client(lille)
    statuses = [client.post("/register/incoming/", bad).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    # counted per section, as in the cache
    with schema_context("paris"):
        place, hobbies = make_catalogue()
    bad = registration_data("incoming", place, hobbies, email="nope")
    assert section_client(paris).post("/register/incoming/", bad).status_code == 200


def test_a_window_ending_between_the_two_cache_calls_counts_the_attempt_anew(monkeypatch):
    """The counter's key expires just after `add`: `incr` finds no key; the attempt opens the
    next window rather than failing the request."""
    add = django_cache.cache.add
    expired = []

    def add_then_expire(key, value, timeout):
        added = add(key, value, timeout)
        if not expired:
            django_cache.cache.delete(key)
            expired.append(key)
        return added

    monkeypatch.setattr(django_cache.cache, "add", add_then_expire)
    with schema_context("lille"):
        assert throttling.count_attempt("test-window-race", 60) == 1
        assert throttling.count_attempt("test-window-race", 60) == 2
    assert expired


def test_memory_counters_expire_and_stay_bounded(monkeypatch):
    counters = throttling.MemoryCounters(size=3)
    now = [1000.0]
    monkeypatch.setattr(throttling.time, "monotonic", lambda: now[0])
    assert [counters.incr("a", 60) for _ in range(3)] == [1, 2, 3]
    now[0] += 61
    assert counters.incr("a", 60) == 1  # a new window
    for key in "bcde":
        counters.incr(key, 60)
    assert len(counters._counters) == 3
    assert "a" not in counters._counters  # the oldest went first


@pytest.mark.django_db
def test_readiness_reports_redis_down(redis_down, settings):
    settings.REDIS_URL = NOWHERE
    response = Client(HTTP_HOST="localhost").get("/readyz")
    assert response.status_code == 200
    assert response.json()["degraded"] is True
    assert response.json()["checks"]["redis"] is False


class SilentServer:
    """A socket that takes connections and never answers: a Redis that hangs."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connections: list[socket.socket] = []
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.listener.getsockname()[1]}/0"

    def _accept(self):
        while not self.stopped:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self):
        self.stopped = True
        self.listener.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def redis_hangs():
    server = SilentServer()
    with cache_at(server.url) as cache:
        yield server, cache
    server.close()


@pytest.mark.django_db
def test_a_hanging_redis_costs_one_timeout_per_window(redis_hangs, lille, breaker_log):
    server, _cache = redis_hangs
    timeout = redis_cache(server.url)["default"]["OPTIONS"]["socket_timeout"]
    client = section_client(lille)

    def timed_get() -> float:
        start = time.monotonic()
        assert client.get("/").status_code == 200
        return time.monotonic() - start

    first = timed_get()
    later = [timed_get() for _ in range(5)]
    assert timeout <= first < timeout + 2
    assert max(later) < timeout
    assert len(server.connections) == 1  # only the first request tried Redis
    assert len(breaker_log()) == 1

    # the window ends: one request tries again (and waits), then the others do without
    health.cache_breaker._open_until = time.monotonic()
    health.cache_breaker._quiet_until = time.monotonic()
    assert timed_get() >= timeout
    assert max(timed_get() for _ in range(3)) < timeout
    assert len(server.connections) == 2
    assert len(breaker_log()) == 2


@pytest.mark.django_db
def test_readiness_answers_within_a_second_when_redis_hangs(redis_hangs, settings):
    server, _cache = redis_hangs
    settings.REDIS_URL = server.url
    start = time.monotonic()
    response = Client(HTTP_HOST="localhost").get("/readyz")
    assert time.monotonic() - start < 1  # Kubernetes' default probe timeout
    assert (response.status_code, response.json()["status"]) == (200, "degraded")
    assert server.connections  # it did reach the socket, and gave up waiting


def real_redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must set REDIS_URL")
        pytest.skip("REDIS_URL is not set")
    return url


@pytest.mark.django_db
def test_with_redis_up_lookups_and_throttles_use_the_cache(
    lille, catalogue, django_assert_num_queries
):
    with cache_at(real_redis_url()) as cache:
        cache.clear()
        assert selectors.section_for_host(lille.host) == lille
        assert selectors.section_for_host("nowhere.localhost") is None
        with django_assert_num_queries(0):
            assert selectors.section_for_host(lille.host) == lille
            assert selectors.section_for_host("nowhere.localhost") is None
        place, hobbies = catalogue
        bad = registration_data("incoming", place, hobbies, email="nope")
        assert section_client(lille).post("/register/incoming/", bad).status_code == 200
        assert throttling.memory_counters._counters == {}
        assert not health.cache_breaker.is_open
        cache.clear()


@pytest.mark.django_db
def test_redis_coming_back_is_used_again(lille, django_assert_num_queries):
    with cache_at(NOWHERE):
        assert selectors.section_for_host(lille.host) == lille
        assert health.cache_breaker.is_open
    with cache_at(real_redis_url()) as cache:
        cache.clear()
        health.cache_breaker._open_until = time.monotonic()  # the window is over
        assert selectors.section_for_host(lille.host) == lille
        assert not health.cache_breaker.is_open
        with django_assert_num_queries(0):
            assert selectors.section_for_host(lille.host) == lille
        cache.clear()


# --- And the broker down too: the registration waits in the outbox ------------------------


def test_a_registration_with_redis_and_the_broker_down_waits_in_the_outbox(
    committed_lille, django_db_blocker
):
    with django_db_blocker.unblock():
        with schema_context("lille"):
            place, hobbies = make_catalogue()
        connection.set_schema_to_public()
        with cache_at(NOWHERE), unreachable_broker():
            response = section_client(committed_lille).post(
                "/register/incoming/", registration_data("incoming", place, hobbies)
            )
            assert response.status_code == 302, response.content.decode()[:2000]
            assert response["Location"] == "/register/done/"
        connection.set_schema_to_public()
        with schema_context("lille"):
            user = User.objects.get(email="ana@example.org")
            row = OutboxMessage.objects.get(key=f"verify-email:{user.pk}")
            assert (row.status, row.attempts) == ("pending", 0)
    connection.set_schema_to_public()
