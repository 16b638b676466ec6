from core.models import Profile
from matching.models import Pair


def active_pairs_of(profile: Profile) -> list[Pair]:
    """The confirmed, not ended pairs a student is in, with the other student loaded."""
    side = "incoming" if profile.is_incoming else "buddy"
    other = "buddy" if profile.is_incoming else "incoming"
    return list(
        Pair.objects.active()
        .filter(**{side: profile})
        .select_related(f"{other}__user")
        .order_by("confirmed_at")
    )
