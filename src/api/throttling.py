"""The API's rate limit: per token, per user, or (anonymous) per client address.

Counted by core.throttling (Redis, or process memory while Redis is down), per section.
"""

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from api.models import ApiToken
from config.client import client_address
from core.throttling import count_attempt

WINDOW_SECONDS = 60


class PerClientThrottle(BaseThrottle):
    def allow_request(self, request: Request, view) -> bool:
        count = count_attempt(f"api:{self._caller(request)}", WINDOW_SECONDS)
        return count <= settings.API_REQUESTS_PER_MINUTE

    def wait(self) -> float:
        return float(WINDOW_SECONDS)

    @staticmethod
    def _caller(request: Request) -> str:
        if isinstance(request.auth, ApiToken):
            return f"token:{request.auth.pk}"
        if request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"address:{client_address(request)}"
