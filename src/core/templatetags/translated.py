"""Content in the reader's language: catalogue names (core.models.NamedInLanguages), events."""

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def shown_name(entry) -> str:
    return entry.name_in(get_language()) if entry is not None else ""


@register.filter
def event_title(event) -> str:
    return str(event.title_in(get_language()))


@register.filter
def event_description(event):
    """The description as shown (core.translated.Shown: its text, and whether it fell back)."""
    return event.description_in(get_language())
