"""API tokens: created by a coordinator on the tokens page, shown once, stored hashed."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from api.models import ApiToken
from core import audit
from core.accounts.models import User

TOKEN_CREATED = "api_token_created"  # noqa: S105 - an audit action, not a secret
TOKEN_REVOKED = "api_token_revoked"  # noqa: S105 - an audit action
# Tokens start with this, so that a leaked one is recognised (secret scanners, logs).
TOKEN_START = "bsk_"  # noqa: S105 - a prefix, not a secret
EXPIRY_DAYS = (7, 30, 90, 180, 365)
# last_used_at is written at most this often per token: not one write per request.
LAST_USE_PRECISION = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_token(
    coordinator: User, *, name: str, scope: str, expiry_days: int
) -> tuple[ApiToken, str]:
    """A new token of `coordinator`'s, and the token itself (never stored, shown once)."""
    secret = TOKEN_START + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=coordinator,
        name=name,
        scope=scope,
        prefix=secret[: len(TOKEN_START) + 6],
        digest=digest(secret),
        expires_at=timezone.now() + timedelta(days=expiry_days),
    )
    audit.record(TOKEN_CREATED, coordinator, token=token.pk, scope=scope, days=expiry_days)
    return token, secret


@transaction.atomic
def revoke_token(coordinator: User, token: ApiToken) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(TOKEN_REVOKED, coordinator, token=token.pk)


def token_for(secret: str) -> ApiToken | None:
    """The usable token `secret` is, with its user; None for anything else."""
    if not secret.startswith(TOKEN_START):
        return None
    return ApiToken.objects.usable().select_related("user").filter(digest=digest(secret)).first()


def record_use(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
