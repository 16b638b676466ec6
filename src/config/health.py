"""Liveness and readiness probes, answered on every host before host routing; and the cache
breaker, which lets the pages work while Redis is down.

Degraded mode. Redis holds a cache only (host lookups, throttle counters) and the Celery
broker; neither is needed to answer a page. While Redis does not answer:

- the host -> section lookup (`tenants.selectors.section_for_host`) reads the database;
- the throttles (`core.throttling`) count in process memory, per process;
- emails and after-commit tasks wait in the outbox and go out when the broker is back (the
  beat sweep relays every section's pending rows).

`cache_call` runs one cache operation behind a breaker: the first error (a refused connection,
or a timeout: CACHES sets short socket timeouts) opens it for `BREAKER_SECONDS`, during which
no cache operation tries Redis, so a down Redis costs one timeout per process per window, not
one per request. The error is logged once per window, by its type only (never a key: keys
hold client addresses). After the window one call tries Redis again.

Readiness (`/readyz`): 503 only when the database does not answer, the one part no page can do
without. Redis down answers 200 with `"status": "degraded"`, `"degraded": true` and
`"redis": false` among the checks: Redis is shared by every pod, so failing readiness for it
would take every web pod out of service at once and turn a degraded site into an outage,
while the pods still serve every page. Alert on `degraded` (or on the logged warning) instead.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

T = TypeVar("T")

# How long the cache is left alone after an error.
BREAKER_SECONDS = 30.0
# The probe's own timeouts to Redis (connect, then read), in seconds: a Redis that hangs keeps
# /readyz under a second, Kubernetes' default probe timeout.
PROBE_TIMEOUT_SECONDS = 0.4
# What the cache raises when Redis does not answer (a refused connection, a timeout).
CACHE_ERRORS = (redis.RedisError, OSError)


class CacheBreaker:
    """Open for `seconds` after a cache error: `allows()` is False while it is open, then True
    for one caller (the trial), and for everyone once a call succeeded. Thread-safe."""

    def __init__(self, seconds: float = BREAKER_SECONDS):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._open_until: float | None = None  # None: closed
        self._quiet_until = 0.0  # no error is logged again before then

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    def allows(self) -> bool:
        if self._open_until is None:
            return True
        with self._lock:
            if self._open_until is None:
                return True
            now = time.monotonic()
            if now < self._open_until:
                return False
            # One trial: the others keep to the fallback until it answers or fails.
            self._open_until = now + self.seconds
            return True

    def succeeded(self) -> None:
        if self._open_until is None:
            return
        with self._lock:
            if self._open_until is not None:
                self._open_until = None
                logger.info("cache answers again: back to Redis")

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self._open_until = now + self.seconds
            # Once per window, even when several requests met the error at once.
            if now < self._quiet_until:
                return
            self._quiet_until = now + self.seconds
        logger.warning(
            "cache unavailable (%s): falling back to the database and process memory for %d s",
            type(error).__name__,
            self.seconds,
        )

    def reset(self) -> None:
        with self._lock:
            self._open_until = None
            self._quiet_until = 0.0


cache_breaker = CacheBreaker()


def cache_call(operation: Callable[[], T], fallback: Callable[[], T]) -> T:
    """`operation()` (a cache call), or `fallback()` when the cache fails or the breaker is
    open."""
    if not cache_breaker.allows():
        return fallback()
    try:
        result = operation()
    except CACHE_ERRORS as error:
        cache_breaker.failed(error)
        return fallback()
    cache_breaker.succeeded()
    return result


def database_is_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def redis_is_reachable() -> bool:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
            socket_timeout=PROBE_TIMEOUT_SECONDS,
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except CACHE_ERRORS:
        return False


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            return self.readiness()
        return self.get_response(request)

    @staticmethod
    def readiness() -> JsonResponse:
        """503 without the database; 200 otherwise, `degraded` while Redis is down."""
        checks = {"database": database_is_reachable()}
        if settings.REDIS_URL:
            checks["redis"] = redis_is_reachable()
        if not checks["database"]:
            return JsonResponse({"status": "unavailable", "checks": checks}, status=503)
        degraded = not all(checks.values())
        body = {"status": "degraded" if degraded else "ok", "degraded": degraded, "checks": checks}
        return JsonResponse(body, status=200)
