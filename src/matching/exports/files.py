"""The CSV file of an export, streamed: the web page's download and the API's answer."""

import csv
from collections.abc import Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone, translation

from matching.exports.selectors import Export
from tenants.models import Section

# Spreadsheets run a cell that starts with one of these as a formula: a student's name
# must never become one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPE = "text/csv; charset=utf-8"


class _Echo:
    """A file that hands back what is written, for csv.writer to format one row at a time."""

    def write(self, value: str) -> str:
        return value


def _safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(
    section: Section, kind: str, data: Export, separator: str
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), delimiter=separator)
    language = translation.get_language()

    def stream() -> Iterator[str]:
        yield "\ufeff"  # the byte order mark tells Excel the file is UTF-8
        yield writer.writerow(data.header)
        with translation.override(language):
            for row in data.rows:
                yield writer.writerow([_safe(value) for value in row])

    response = StreamingHttpResponse(stream(), content_type=CONTENT_TYPE)
    filename = f"{kind}-{section.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
