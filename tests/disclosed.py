"""What an answer could disclose of a row, and ids no section has: the isolation suites'."""

from django.db import models
from django.db.models import Max, Model


def texts_of(obj: Model) -> set[str]:
    """What a page could show of a row: its free-text values (and its user's), long enough
    not to be a word any page has."""
    texts = set()
    for field in obj._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField) and not field.choices:
            value = getattr(obj, field.attname)
            if isinstance(value, str) and len(value) >= 5:
                texts.add(value)
    user = getattr(obj, "user", None)
    if isinstance(user, Model):
        texts |= texts_of(user)
    texts.discard(getattr(obj, "password", None))
    return texts


def shown(texts: set[str], response, unless_in: bytes = b"") -> set[str]:
    body = response.content.decode(errors="replace")
    ignore = unless_in.decode(errors="replace")
    return {text for text in texts if text in body and text not in ignore}


def free_id(model: type[Model], sections, in_section) -> int:
    """An id that no row of `model` has in any of `sections`."""
    highest = 0
    for section in sections:
        with in_section(section):
            highest = max(highest, model.objects.aggregate(top=Max("pk"))["top"] or 0)
    return highest + 1
