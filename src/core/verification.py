"""Email verification links: no table, valid a week, void once the email changes."""

from datetime import timedelta

from core.accounts.models import User
from core.signing import LinkRefused, digest, make_link_token, read_link_token

PURPOSE = "verify-email"
MAX_AGE = timedelta(days=7)


def make_token(user: User) -> str:
    return make_link_token(PURPOSE, u=user.pk, e=digest(user.email))


def user_for(token: str) -> User | None:
    """The account of this section a valid link was made for, while its email is unchanged."""
    try:
        data = read_link_token(PURPOSE, token, MAX_AGE)
    except LinkRefused:
        return None
    user = User.objects.filter(pk=data.get("u")).first() if isinstance(data.get("u"), int) else None
    if user is None or data.get("e") != digest(user.email):
        return None
    return user
