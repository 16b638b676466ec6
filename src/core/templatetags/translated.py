"""Catalogue names in the reader's language (core.models.NamedInLanguages)."""

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def shown_name(entry) -> str:
    return entry.name_in(get_language()) if entry is not None else ""
