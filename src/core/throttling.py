from django.core.cache import cache
from django.http import HttpRequest

from config.client import client_address


def attempts_exceeded(request: HttpRequest, scope: str, limit: int, window_seconds: int) -> bool:
    """Count this client's attempts at `scope`; True once over `limit` within the window.

    Keys carry the section's schema (the cache's key function), so sections count apart.
    """
    key = f"throttle:{scope}:{client_address(request)}"
    cache.add(key, 0, window_seconds)
    return cache.incr(key) > limit
