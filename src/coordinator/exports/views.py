"""CSV exports of the section's students and pairs, streamed, with the columns chosen."""

import csv
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_POST

from coordinator.exports import selectors, services
from coordinator.exports.forms import PairExportForm, StudentExportForm
from core.permissions import coordinator_required

# Spreadsheets run a cell that starts with one of these as a formula: a student's name
# must never become one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@coordinator_required
def export_page(request: HttpRequest) -> HttpResponse:
    return render(request, "coordinator/export.html", _export_forms(request))


@require_POST
@coordinator_required
def export_students(request: HttpRequest) -> HttpResponse:
    form = StudentExportForm(request.POST, prefix="students")
    if not form.is_valid():
        return render(request, "coordinator/export.html", _export_forms(request, students=form))
    keys = form.ordered_columns()
    filters = {"role": form.cleaned_data["role"], "status": form.cleaned_data["status"]}
    data = selectors.export(
        selectors.students_for_export(**filters), selectors.STUDENT_COLUMNS, keys
    )
    services.record_export(request.user, kind="students", columns=keys, rows=data.count, **filters)
    return _csv_response(request, "students", data, form.cleaned_data["separator"])


@require_POST
@coordinator_required
def export_pairs(request: HttpRequest) -> HttpResponse:
    form = PairExportForm(request.POST, prefix="pairs")
    if not form.is_valid():
        return render(request, "coordinator/export.html", _export_forms(request, pairs=form))
    keys = form.ordered_columns()
    state = form.cleaned_data["state"]
    data = selectors.export(selectors.pairs_for_export(state=state), selectors.PAIR_COLUMNS, keys)
    services.record_export(request.user, kind="pairs", columns=keys, rows=data.count, state=state)
    return _csv_response(request, "pairs", data, form.cleaned_data["separator"])


def _export_forms(request: HttpRequest, **bound) -> dict:
    separator = ";" if translation.get_language() == "fr" else ","
    return {
        "students": bound.get("students")
        or StudentExportForm(prefix="students", initial={"separator": separator}),
        "pairs": bound.get("pairs")
        or PairExportForm(prefix="pairs", initial={"separator": separator}),
    }


class _Echo:
    """A file that hands back what is written, for csv.writer to format one row at a time."""

    def write(self, value: str) -> str:
        return value


def _safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_response(
    request: HttpRequest, kind: str, data: selectors.Export, separator: str
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), delimiter=separator)
    language = translation.get_language()

    def stream() -> Iterator[str]:
        yield "\ufeff"  # the byte order mark tells Excel the file is UTF-8
        yield writer.writerow(data.header)
        with translation.override(language):
            for row in data.rows:
                yield writer.writerow([_safe(value) for value in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    filename = f"{kind}-{request.section.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
