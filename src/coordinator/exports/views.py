"""CSV exports of the section's students and pairs, streamed, with the columns chosen."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_POST

from core.permissions import coordinator_required
from matching.exports import services
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
    data = services.export_students(
        request.user,
        columns=form.ordered_columns(),
        role=form.cleaned_data["role"],
        status=form.cleaned_data["status"],
    )
    return csv_response(request.section, "students", data, form.cleaned_data["separator"])


@require_POST
@coordinator_required
def export_pairs(request: HttpRequest) -> HttpResponse:
    form = PairExportForm(request.POST, prefix="pairs")
    if not form.is_valid():
        return render(request, "coordinator/export.html", _export_forms(request, pairs=form))
    data = services.export_pairs(
        request.user, columns=form.ordered_columns(), state=form.cleaned_data["state"]
    )
    return csv_response(request.section, "pairs", data, form.cleaned_data["separator"])


def _export_forms(request: HttpRequest, **bound) -> dict:
    separator = ";" if translation.get_language() == "fr" else ","
    return {
        "students": bound.get("students")
        or StudentExportForm(prefix="students", initial={"separator": separator}),
        "pairs": bound.get("pairs")
        or PairExportForm(prefix="pairs", initial={"separator": separator}),
    }
