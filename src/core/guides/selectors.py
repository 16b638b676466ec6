"""Reads of the guides: what a student may see."""

from django.db.models import QuerySet

from core.guides.models import ALL_LANGUAGES, Guide
from core.models import Profile

AUDIENCES_OF_ROLE = {
    Profile.Role.INCOMING: (Guide.Audience.INCOMING, Guide.Audience.EVERYONE),
    Profile.Role.BUDDY: (Guide.Audience.BUDDIES, Guide.Audience.EVERYONE),
}


def visible_to(profile: Profile) -> QuerySet[Guide]:
    """The published guides for the student's role, in any language."""
    return Guide.objects.filter(published=True, audience__in=AUDIENCES_OF_ROLE[profile.role])


def guides_for(profile: Profile, language: str) -> QuerySet[Guide]:
    """The guides listed to a student: their role's, in the page's language or for all."""
    return visible_to(profile).filter(language__in=(language, ALL_LANGUAGES))
