"""Invitation links of imported students (core.signing): valid 30 days, one invitation."""

from core.exchange.models import INVITATION_VALID_FOR, ImportedInvitation
from core.signing import LinkRefused, make_link_token, read_link_token

PURPOSE = "import-invitation"


class InvitationRefused(Exception):
    """A forged, expired or used link; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def make_token(invitation: ImportedInvitation) -> str:
    return make_link_token(PURPOSE, i=invitation.pk, t=invitation.token)


def read_token(token: str) -> ImportedInvitation:
    """The open invitation a link was made for, or InvitationRefused."""
    try:
        data = read_link_token(PURPOSE, token, INVITATION_VALID_FOR)
    except LinkRefused as refused:
        raise InvitationRefused("expired" if refused.expired else "invalid") from refused
    invitation = (
        ImportedInvitation.objects.filter(pk=data.get("i"), token=data.get("t"))
        .select_related("place_of_study")
        .first()
        if isinstance(data.get("i"), int) and isinstance(data.get("t"), str)
        else None
    )
    if invitation is None:
        raise InvitationRefused("invalid")
    if invitation.used_at is not None:
        raise InvitationRefused("used")
    return invitation
