"""Signed invitation links: valid 30 days, for one invitation of one section."""

from django.core import signing
from django.db import connection

from core.exchange.models import INVITATION_VALID_FOR, ImportedInvitation

SALT = "core.exchange.invitation"


class LinkRefused(Exception):
    """A forged, expired or used link; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def make_token(invitation: ImportedInvitation) -> str:
    payload = {"s": connection.schema_name, "i": invitation.pk, "t": invitation.token}
    return signing.dumps(payload, salt=SALT)


def read_token(token: str) -> ImportedInvitation:
    """The open invitation a link was made for, or LinkRefused."""
    try:
        data = signing.loads(token, salt=SALT, max_age=INVITATION_VALID_FOR)
    except signing.SignatureExpired as error:
        raise LinkRefused("expired") from error
    except signing.BadSignature as error:
        raise LinkRefused("invalid") from error
    if not isinstance(data, dict) or data.get("s") != connection.schema_name:
        raise LinkRefused("invalid")
    invitation = (
        ImportedInvitation.objects.filter(pk=data.get("i"), token=data.get("t"))
        .select_related("place_of_study")
        .first()
    )
    if invitation is None:
        raise LinkRefused("invalid")
    if invitation.used_at is not None:
        raise LinkRefused("used")
    return invitation
