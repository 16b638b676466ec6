"""Ids sent by browsers: what a page receives in a form or a query string is text."""

import re

# ASCII digits only: str.isdigit() also accepts "²" or "٣", which int() refuses. A PostgreSQL
# bigint has at most 19 digits.
_ID = re.compile(r"[0-9]{1,18}")


def parse_id(value: object) -> int | None:
    """The id a form field or a query parameter holds, or None when it holds no valid id."""
    text = str(value or "").strip()
    return int(text) if _ID.fullmatch(text) else None


def parse_ids(values: list[str]) -> list[int]:
    """The valid ids among a field's values (checkboxes); the others are left out."""
    return [pk for pk in map(parse_id, values) if pk is not None]
