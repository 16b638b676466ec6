"""Signed email verification links: no table, valid a week, void once the email changes."""

from datetime import timedelta

from django.core import signing

from core.accounts.models import User

SALT = "core.verify-email"
MAX_AGE = timedelta(days=7)


def make_token(user: User) -> str:
    return signing.dumps({"user": user.pk, "email": user.email}, salt=SALT)


def read_token(token: str) -> tuple[int, str] | None:
    """The (user id, email) a valid token was made for, or None."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    return data.get("user"), data.get("email")
