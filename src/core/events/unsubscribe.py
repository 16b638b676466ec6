"""Signed one-click unsubscribe links: no table, one student of one section each.

The token names the section's schema and the profile: a token made in one section means
nothing in another (profile ids repeat across schemas), and changing the profile id breaks
the signature. It does not expire: an old email's link must keep working.
"""

from django.core import signing
from django.db import connection

from core.models import Profile

SALT = "core.events.unsubscribe"


def make_token(profile: Profile) -> str:
    return signing.dumps({"s": connection.schema_name, "p": profile.pk}, salt=SALT)


def profile_for(token: str) -> Profile | None:
    """The profile of this section a valid token was made for, or None."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("s") != connection.schema_name:
        return None
    profile_id = data.get("p")
    if not isinstance(profile_id, int):
        return None
    return Profile.objects.filter(pk=profile_id).select_related("user").first()
