"""CSV export and import pages of the coordinators, and the invited students' page."""

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.exchange import importing, selectors, services
from core.exchange.forms import CompletionForm, ImportForm, PairExportForm, StudentExportForm
from core.exchange.models import ImportBatch
from core.exchange.tokens import LinkRefused, read_token
from core.forms import SpokenLanguageFormSet
from core.permissions import coordinator_required

# Spreadsheets run a cell that starts with one of these as a formula: a student's name
# must never become one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PREVIEW_ROWS = 500


@coordinator_required
def export_page(request: HttpRequest) -> HttpResponse:
    return render(request, "exchange/export.html", _export_forms(request))


@require_POST
@coordinator_required
def export_students(request: HttpRequest) -> HttpResponse:
    form = StudentExportForm(request.POST, prefix="students")
    if not form.is_valid():
        return render(request, "exchange/export.html", _export_forms(request, students=form))
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
        return render(request, "exchange/export.html", _export_forms(request, pairs=form))
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


@coordinator_required
def import_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if request.method == "POST" and form.is_valid():
        batch = services.preview_import(request.user, form.content)
        return redirect("exchange:preview", batch_id=batch.pk)
    return render(
        request,
        "exchange/import.html",
        {
            "form": form,
            "header": ",".join(importing.HEADER),
            "batches": selectors.recent_batches(),
        },
    )


@coordinator_required
def preview(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=batch_id)
    problems = [{**problem, "message": importing.message(problem)} for problem in batch.errors]
    return render(
        request,
        "exchange/preview.html",
        {
            "batch": batch,
            "problems": problems,
            "rows": batch.rows[:PREVIEW_ROWS],
            "more_rows": max(len(batch.rows) - PREVIEW_ROWS, 0),
        },
    )


@require_POST
@coordinator_required
def commit(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=batch_id)
    outcome = services.commit_import(request.user, batch.pk)
    if outcome == services.Outcome.IMPORTED:
        messages.success(
            request,
            ngettext(
                "%(count)d student imported: the invitation is on its way.",
                "%(count)d students imported: their invitations are on their way.",
                batch.row_count,
            )
            % {"count": batch.row_count},
        )
    elif outcome == services.Outcome.ALREADY_IMPORTED:
        messages.info(request, _("This file was already imported; nothing was done again."))
    elif outcome == services.Outcome.EXPIRED:
        messages.error(request, _("This preview has expired. Upload the file again."))
    elif outcome == services.Outcome.CHANGED:
        messages.error(
            request,
            _("Some rows are no longer valid since the preview: nothing was imported. See why."),
        )
    else:
        messages.error(request, _("Nothing was imported: the file has errors. Fix them first."))
    return redirect("exchange:preview", batch_id=batch.pk)


REFUSALS = {
    "invalid": _("This link is not valid. Copy the whole link from the email, or ask us."),
    "expired": _("This link has expired. Ask the section's coordinators for a new invitation."),
    "used": _("This invitation was already used. Log in with your email and password."),
}


def complete(request: HttpRequest, token: str) -> HttpResponse:
    """The invited student's registration, from the link of their email."""
    try:
        invitation = read_token(token)
    except LinkRefused as refused:
        return _refuse(request, refused)
    if request.user.is_authenticated:
        messages.info(request, _("You are logged in already. Log out to use this invitation."))
        return redirect("core:home")
    form = CompletionForm(
        request.POST or None,
        invitation=invitation,
        initial={"language": translation.get_language()},
    )
    languages = SpokenLanguageFormSet(request.POST or None, prefix="languages")
    if request.method == "POST" and form.is_valid() and languages.is_valid():
        try:
            profile = services.complete_invitation(
                invitation,
                password=form.cleaned_data["password"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                profile_fields=form.profile_fields(),
                hobbies=list(form.cleaned_data["hobbies"]),
                languages=languages.spoken_languages(),
            )
        except LinkRefused as refused:
            return _refuse(request, refused)
        login(request, profile.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Welcome! Your profile is complete: we now look for your buddy.")
        )
        return redirect("core:account")
    return render(
        request,
        "exchange/complete.html",
        {"form": form, "languages": languages, "invitation": invitation},
    )


def _refuse(request: HttpRequest, refused: LinkRefused) -> HttpResponse:
    return render(
        request,
        "exchange/invitation_refused.html",
        {"reason": REFUSALS[refused.reason]},
        status=410 if refused.reason in ("expired", "used") else 400,
    )
