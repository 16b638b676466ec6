"""One-click unsubscribe links (core.signing): one student of one section each. They do not
expire: an old email's link must keep working."""

from core.models import Profile
from core.signing import LinkRefused, make_link_token, read_link_token

PURPOSE = "unsubscribe"


def make_token(profile: Profile) -> str:
    return make_link_token(PURPOSE, p=profile.pk)


def profile_for(token: str) -> Profile | None:
    """The profile of this section a valid token was made for, or None."""
    try:
        data = read_link_token(PURPOSE, token)
    except LinkRefused:
        return None
    profile_id = data.get("p")
    if not isinstance(profile_id, int):
        return None
    return Profile.objects.filter(pk=profile_id).select_related("user").first()
