"""The signed codes of external sign-in (core.signing: bound to the section's schema and to
their purpose, ids only): the root domain's handoff to the section's host, and the emailed
link that confirms linking a provider account to an existing account."""

from datetime import timedelta

from core.signin.providers import SigninFailed
from core.signing import LinkRefused, make_link_token, read_link_token

HANDOFF = "signin-handoff"
HANDOFF_MAX_AGE = timedelta(minutes=2)  # a redirect, followed at once
LINK = "signin-link"
# Linking or registering may take a while (a form, an email): the pending sign-in waits.
PENDING_MAX_AGE = timedelta(minutes=30)


def handoff_code(pending_id: int) -> str:
    return make_link_token(HANDOFF, p=pending_id)


def read_handoff(code: str) -> int:
    """The pending sign-in a code of this section names; SigninFailed("expired") else."""
    return _read(HANDOFF, code, HANDOFF_MAX_AGE)["p"]


def link_token(user_id: int, pending_id: int) -> str:
    return make_link_token(LINK, u=user_id, p=pending_id)


def read_link(token: str) -> tuple[int, int]:
    """The user and pending sign-in an emailed link names; SigninFailed("expired") else."""
    data = _read(LINK, token, PENDING_MAX_AGE, "u")
    return data["u"], data["p"]


def _read(purpose: str, token: str, max_age: timedelta, *more: str) -> dict:
    try:
        data = read_link_token(purpose, token, max_age)
    except LinkRefused as refused:
        raise SigninFailed("expired") from refused
    if not all(isinstance(data.get(key), int) for key in ("p", *more)):
        raise SigninFailed("expired")
    return data
