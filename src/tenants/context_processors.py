from django.conf import settings
from django.http import HttpRequest


def languages(request: HttpRequest) -> dict:
    """The language switcher's choices, the section's own language first."""
    section = getattr(request, "section", None)
    first = section.default_language if section else settings.LANGUAGE_CODE
    ordered = sorted(settings.LANGUAGES, key=lambda choice: choice[0] != first)
    return {"switcher_languages": ordered}
