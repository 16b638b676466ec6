"""The roster import pages of the coordinators, and the invited students' page."""

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from core.exchange import importing, selectors, services
from core.exchange.forms import CompletionForm, ImportForm
from core.exchange.models import ImportBatch
from core.exchange.tokens import InvitationRefused, read_token
from core.forms import SpokenLanguageFormSet
from core.permissions import coordinator_required
from core.services import EmailTaken

PREVIEW_ROWS = 500


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


# Lazy: read in the visitor's language when the page is drawn, not once at import.
REFUSALS = {
    "invalid": gettext_lazy(
        "This link is not valid. Copy the whole link from the email, or ask us."
    ),
    "expired": gettext_lazy(
        "This link has expired. Ask the section's coordinators for a new invitation."
    ),
    "used": gettext_lazy("This invitation was already used. Log in with your email and password."),
}


def complete(request: HttpRequest, token: str) -> HttpResponse:
    """The invited student's registration, from the link of their email."""
    try:
        invitation = read_token(token)
    except InvitationRefused as refused:
        return _refuse(request, refused)
    if request.user.is_authenticated:
        messages.info(request, _("You are logged in already. Log out to use this invitation."))
        return redirect("core:home")
    form = CompletionForm(
        request.POST or None,
        invitation=invitation,
        initial={"language": invitation.language},
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
        except InvitationRefused as refused:
            return _refuse(request, refused)
        except EmailTaken:
            form.add_error(None, CompletionForm.EMAIL_TAKEN)
            return render(
                request,
                "exchange/complete.html",
                {"form": form, "languages": languages, "invitation": invitation},
            )
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


def _refuse(request: HttpRequest, refused: InvitationRefused) -> HttpResponse:
    return render(
        request,
        "exchange/invitation_refused.html",
        {"reason": REFUSALS[refused.reason]},
        status=410 if refused.reason in ("expired", "used") else 400,
    )
