"""Fault: Redis is stopped in the middle of registrations, then started again. A redis-server
of the test's own on a free port (the machine's Redis is left alone) holds the cache; the
students who register while it is down all get their 302, their accounts and their emails;
the host lookup reads the database meanwhile (config.health's breaker), and once Redis is
back and the breaker's window is over, the cache is used again."""

import os
import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django_tenants.utils import schema_context

from clients import section_client
from config import health
from core import throttling
from core.accounts.models import User
from portal_helpers import make_catalogue, registration_data

pytestmark = [
    pytest.mark.django_db,
    # in CI it must run: a missing redis-server fails there
    pytest.mark.skipif(
        not shutil.which("redis-server") and not os.environ.get("CI"), reason="no redis-server"
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, port: int, directory):
        self.port, self.directory = port, directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def keys(self) -> list[bytes]:
        return redis.Redis.from_url(self.url).keys("*")


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(free_port(), tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def breaker(monkeypatch):
    """The breaker, with a 1 s window instead of 30 s (the test waits for it to end)."""
    health.cache_breaker.reset()
    throttling.memory_counters.clear()
    monkeypatch.setattr(health.cache_breaker, "seconds", 1.0)
    yield health.cache_breaker
    health.cache_breaker.reset()
    throttling.memory_counters.clear()


def cache_settings(location: str) -> dict:
    default = settings.CACHES["default"]
    return {
        "default": {
            **default,
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def test_registrations_go_on_while_redis_is_stopped_and_the_cache_comes_back(
    own_redis, breaker, lille, django_capture_on_commit_callbacks, capsys
):
    with schema_context("lille"):
        place, hobbies = make_catalogue()
    client = section_client(lille)
    timings: list[float] = []

    def register(number: int) -> None:
        data = registration_data("incoming", place, hobbies, email=f"student{number}@example.org")
        start = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/register/incoming/", data)
        timings.append(time.monotonic() - start)
        assert response.status_code == 302, response.content.decode()[:500]
        assert response["Location"] == "/register/done/"

    with override_settings(CACHES=cache_settings(own_redis.url)):
        register(0)
        cached = own_redis.keys()
        assert cached, "the host lookup and the throttle were not cached in Redis"
        assert not breaker.is_open

        own_redis.stop()
        for number in range(1, 5):
            register(number)
        assert breaker.is_open  # the host lookup and the throttles went to the fallback
        down_timings = timings[1:]

        own_redis.start()  # empty: no persistence
        assert own_redis.keys() == []
        time.sleep(breaker.seconds + 0.1)  # the window ends: the next call tries Redis
        register(5)
        assert not breaker.is_open
        assert own_redis.keys(), "the cache is not used again"

    emails = [f"student{number}@example.org" for number in range(6)]
    with schema_context("lille"):
        assert sorted(User.objects.filter(email__in=emails).values_list("email", flat=True)) == (
            sorted(emails)
        )
    # every verification email went out, once each
    assert sorted(to for message in mail.outbox for to in message.to) == sorted(emails)
    with capsys.disabled():
        print(
            f"\n[redis stopped] registration with Redis up {timings[0]:.2f}s; while down"
            f" {', '.join(f'{t:.2f}' for t in down_timings)}s; after restart {timings[-1]:.2f}s"
        )
