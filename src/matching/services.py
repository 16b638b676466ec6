from django.utils import timezone

from core.models import Profile
from matching.models import Pair


def end_pairs_of(profile: Profile, reason: str) -> int:
    """End every active pair the student is in; returns how many ended."""
    side = "incoming" if profile.is_incoming else "buddy"
    return (
        Pair.objects.active()
        .filter(**{side: profile})
        .update(ended_at=timezone.now(), end_reason=reason)
    )
