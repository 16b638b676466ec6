"""Liveness and readiness probes, answered on every host before host routing."""

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse


def database_is_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def redis_is_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
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
        checks = {"database": database_is_reachable()}
        if settings.REDIS_URL:
            checks["redis"] = redis_is_reachable()
        ready = all(checks.values())
        body = {"status": "ok" if ready else "unavailable", "checks": checks}
        return JsonResponse(body, status=200 if ready else 503)
