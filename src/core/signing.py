"""Signed links emailed to people: one helper for verification, import invitations,
unsubscribe, check-in and survey links.

A token is bound to the section (its schema) and to a purpose (the salt): a Lille link means
nothing in Paris, where ids repeat, and a check-in link cannot be used as a survey link. It
carries ids only: an email address it must match is carried as a keyed digest, never in clear
(the token's payload is readable by anyone who has the link).
"""

from datetime import timedelta

from django.core import signing
from django.db import connection
from django.utils.crypto import salted_hmac


class LinkRefused(Exception):
    """A forged or foreign link (`expired` False), or one past its age (`expired` True)."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def digest(value: str) -> str:
    """A short keyed digest, to bind a link to a value (an email) without showing it."""
    return salted_hmac("buddysystem.link-digest", value.strip().lower()).hexdigest()[:20]


def make_link_token(purpose: str, **values: int | str) -> str:
    return signing.dumps({"s": connection.schema_name, **values}, salt=_salt(purpose))


def read_link_token(purpose: str, token: str, max_age: timedelta | None = None) -> dict:
    """The values of a valid token made in this section for `purpose`; LinkRefused else."""
    try:
        data = signing.loads(token, salt=_salt(purpose), max_age=max_age)
    except signing.SignatureExpired as error:
        raise LinkRefused(expired=True) from error
    except signing.BadSignature as error:
        raise LinkRefused from error
    if not isinstance(data, dict) or data.pop("s", None) != connection.schema_name:
        raise LinkRefused
    return data


def _salt(purpose: str) -> str:
    return f"buddysystem.link.{purpose}"
