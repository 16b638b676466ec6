"""People's names as they are stored: one line of plain text.

A name goes into email headers (a buddy's first name is in the subject of the pair's email):
a line break or another control character there makes the send fail, so names never keep
them. Letters, apostrophes and accents stay as they are (`O'Brien` stays `O'Brien`).
"""

import unicodedata

from django import forms

# Zero-width joiners belong to the right spelling of Persian and Indic names: they stay.
JOINERS = {"\u200c", "\u200d"}


def plain_name(value: str) -> str:
    """The name with control characters and line breaks turned into spaces, on one line."""
    kept = "".join(
        " "
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char not in JOINERS
        else char
        for char in value
    )
    return " ".join(kept.split())


class NameField(forms.CharField):
    """A person's name field: cleaned to one line, and required once cleaned (a name made of
    invisible characters only is no name)."""

    def to_python(self, value):
        return plain_name(super().to_python(value) or "")
