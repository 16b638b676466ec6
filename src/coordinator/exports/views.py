"""CSV exports of the section's students and pairs, streamed, with the columns chosen."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_POST

from core.permissions import coordinator_required
from matching.exports import selectors, services
from matching.exports.files import csv_response
from matching.exports.forms import PairExportForm, StudentExportForm


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
    return csv_response(request.section, "students", data, form.cleaned_data["separator"])


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
    return csv_response(request.section, "pairs", data, form.cleaned_data["separator"])


def _export_forms(request: HttpRequest, **bound) -> dict:
    separator = ";" if translation.get_language() == "fr" else ","
    return {
        "students": bound.get("students")
        or StudentExportForm(prefix="students", initial={"separator": separator}),
        "pairs": bound.get("pairs")
        or PairExportForm(prefix="pairs", initial={"separator": separator}),
    }
