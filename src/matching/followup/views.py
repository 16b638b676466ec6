"""Pages of the pair follow-up: students' one-click answers and survey, coordinators' lists."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.permissions import coordinator_required
from matching.followup import selectors, services
from matching.followup.forms import SurveyForm
from matching.followup.models import CheckIn, SurveyResponse
from matching.followup.tokens import checkin_token, read_checkin_token, read_survey_token
from matching.models import Pair

COMMENTS_PER_PAGE = 50
PAIRS_PER_PAGE = 50


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "matching/followup/invalid_link.html", status=404)


def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email opens a page that asks to confirm the answer; only that POST
    records it (a mail scanner that fetches the link, or a HEAD, changes nothing). The page
    after it lets the student change the answer."""
    claim = read_checkin_token(token)
    if selectors.checkin_of(claim) is None:
        return _invalid_link(request)
    if request.method != "POST":
        label = CheckIn.Answer(claim.answer).label
        return render(request, "matching/followup/checkin_confirm.html", {"answer": label})
    answered = services.record_checkin_answer(claim)
    others = [
        (answer.label, checkin_token(claim.pair_id, claim.profile_id, answer.value))
        for answer in CheckIn.Answer
        if answer != answered.answer
    ]
    return render(
        request, "matching/followup/checkin_thanks.html", {"checkin": answered, "others": others}
    )


def survey(request: HttpRequest, token: str) -> HttpResponse:
    claim = read_survey_token(token)
    response = (
        SurveyResponse.objects.filter(pair_id=claim.pair_id, profile_id=claim.profile_id).first()
        if claim
        else None
    )
    if response is None:
        return _invalid_link(request)
    if response.answered_at is not None:
        return render(request, "matching/followup/survey_done.html")
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.record_survey_answer(
            response, form.cleaned_data["rating"], form.cleaned_data["comment"]
        )
        return redirect("followup:survey", token=token)
    return render(request, "matching/followup/survey.html", {"form": form})


@coordinator_required
def coordinator(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "matching/followup/coordinator.html",
        {
            "page": Paginator(selectors.pairs_needing_attention(), PAIRS_PER_PAGE).get_page(
                request.GET.get("page")
            ),
            "figures": selectors.checkin_figures(),
        },
    )


@require_POST
@coordinator_required
def handled(request: HttpRequest, pair_id: int) -> HttpResponse:
    pair = get_object_or_404(Pair.objects.active(), pk=pair_id)
    if services.mark_handled(request.user, pair):
        messages.success(request, _("Marked as handled: the pair is off the attention list."))
    return redirect("followup:coordinator")


@coordinator_required
def surveys(request: HttpRequest) -> HttpResponse:
    results = selectors.survey_results()
    key = request.GET.get("semester")
    if key:
        semester = selectors.Semester.from_key(key)
        if semester is None:
            raise Http404
    else:
        semester = results[0].semester if results else None
    page = None
    if semester is not None:
        comments = selectors.semester_comments(semester)
        page = Paginator(comments, COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "matching/followup/surveys.html",
        {"results": results, "semester": semester, "page": page},
    )
