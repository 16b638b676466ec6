"""Throttles: how many attempts a client made at something within a window.

Counted in the cache (Redis, shared by every process); while the cache is down
(config.health.cache_call), in this process's memory, so a throttle still throttles, per
process: with N web processes a client may get up to N times the limit during an outage.
"""

import threading
import time

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest

from config.client import client_address
from config.health import cache_call

# The most counters kept in memory; past it, the expired ones are dropped, then the oldest.
MEMORY_COUNTERS = 10_000


class MemoryCounters:
    """Counters with an expiry, in process memory, for while the cache is down. Thread-safe."""

    def __init__(self, size: int = MEMORY_COUNTERS):
        self.size = size
        self._lock = threading.Lock()
        self._counters: dict[str, tuple[int, float]] = {}  # key: (count, expires at)

    def incr(self, key: str, window_seconds: int) -> int:
        now = time.monotonic()
        with self._lock:
            count, expires = self._counters.get(key, (0, now + window_seconds))
            if expires <= now:
                count, expires = 0, now + window_seconds
            self._counters[key] = (count + 1, expires)
            if len(self._counters) > self.size:
                self._prune(now)
            return count + 1

    def _prune(self, now: float) -> None:
        self._counters = {k: v for k, v in self._counters.items() if v[1] > now}
        while len(self._counters) > self.size:  # insertion order: the oldest first
            del self._counters[next(iter(self._counters))]

    def clear(self) -> None:
        with self._lock:
            self._counters.clear()


memory_counters = MemoryCounters()


def attempts_exceeded(request: HttpRequest, scope: str, limit: int, window_seconds: int) -> bool:
    """Count this client's attempts at `scope`; True once over `limit` within the window."""
    return count_attempt(f"{scope}:{client_address(request)}", window_seconds) > limit


def count_attempt(subject: str, window_seconds: int) -> int:
    """One more attempt of `subject` (a scope and who tries); how many within the window.

    Keys carry the section's schema (the cache's key function; the schema is added to the
    memory counters' keys), so sections count apart.
    """
    key = f"throttle:{subject}"

    def in_cache() -> int:
        cache.add(key, 0, window_seconds)
        try:
            return cache.incr(key)
        except ValueError:
            # the window ended between the two calls (the key expired): this attempt is the
            # first of the next window, not a 500 (a busy API meets this every window)
            cache.add(key, 0, window_seconds)
            return cache.incr(key)

    def in_memory() -> int:
        return memory_counters.incr(f"{connection.schema_name}:{key}", window_seconds)

    return cache_call(in_cache, in_memory)
