"""The coordinator's matching pages on the section's subdomain."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.ids import parse_ids
from core.permissions import coordinator_required
from matching import pairs as pair_services
from matching import review as review_reads
from matching import selectors, services
from matching.explanations import constraint_name, hobby_names
from matching.forms import (
    EndPairForm,
    ManualPairForm,
    PairSearchForm,
    PolicyForm,
    ReviewFilterForm,
    StudentSearchForm,
)
from matching.models import MatchingPolicy, MatchRun, Offer, Pair
from matching.offers.selectors import pending_count as pending_offers
from matching.waiting import free_places, waiting_incoming


@coordinator_required
def overview(request: HttpRequest) -> HttpResponse:
    run = selectors.latest_run()
    shortage = [
        (constraint_name(reason), count)
        for reason, count in (run.without_candidates_reasons if run else {}).items()
    ]
    return render(
        request,
        "matching/overview.html",
        {
            "run": run,
            "shortage": shortage,
            "runs": MatchRun.objects.all()[:10],
            "waiting": waiting_incoming().count(),
            "free_places": free_places(),
            "pending_offers": pending_offers(),
        },
    )


@require_POST
@coordinator_required
def start_run(request: HttpRequest) -> HttpResponse:
    only_for = parse_ids(request.POST.getlist("student"))
    try:
        services.request_match_run(request.user, only_for=only_for)
    except services.RunInProgress:
        messages.error(request, _("A matching run is already in progress. Wait for it to finish."))
    return redirect("matching:overview")


ROWS_PER_PAGE = 50


def _page(request: HttpRequest, rows, param: str = "page"):
    return Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get(param))


def _query_without(request: HttpRequest, *params: str) -> str:
    """The page's query string without `params`, for the pager's links."""
    query = request.GET.copy()
    for param in params:
        query.pop(param, None)
    return query.urlencode()


@coordinator_required
def review(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(MatchRun, pk=run_id)
    filters = ReviewFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    page = _page(request, review_reads.proposals(run, chosen))
    confirmation = review_reads.latest_confirmation(run)
    return render(
        request,
        "matching/review.html",
        {
            "run": run,
            "filters": filters,
            "page": page,
            "rows": review_reads.rows(page, run, hobby_names()),
            "query": _query_without(request, "page"),
            "to_decide": review_reads.to_decide(run),
            "not_told": review_reads.not_told(run),
            "confirmation": confirmation,
            "waiting_page": _page(request, review_reads.left_waiting(run), "waiting_page"),
            "waiting_query": _query_without(request, "waiting_page"),
        },
    )


@require_POST
@coordinator_required
def decide(request: HttpRequest, run_id: int) -> HttpResponse:
    """Reject at once; confirming and telling the waiting students ask first, saying how many
    pairs and emails, then run as a task (see services.start_confirmation)."""
    run = get_object_or_404(MatchRun, pk=run_id)
    action = request.POST.get("action")
    ids = review_reads.still_to_decide(run, parse_ids(request.POST.getlist("proposal")))
    if action == "confirm_all":
        count = review_reads.to_decide(run)
    elif action == "tell_waiting":
        count = review_reads.not_told(run)
    elif action in ("confirm", "reject"):
        count = len(ids)
    else:
        count = 0
    if not count:
        messages.error(
            request,
            _("Nobody is left to tell.")
            if action == "tell_waiting"
            else _("Select at least one proposal to decide."),
        )
        return redirect("matching:review", run_id=run.pk)
    if action == "reject":
        decision = services.reject_proposals(request.user, ids)
        messages.success(
            request,
            ngettext("%(count)d proposal rejected.", "%(count)d proposals rejected.", decision.done)
            % {"count": decision.done},
        )
        return redirect("matching:review", run_id=run.pk)
    as_offers = services.offers_buddies()
    if request.POST.get("sure") != "yes":
        return render(
            request,
            "matching/confirm_decision.html",
            {
                "run": run,
                "action": action,
                "ids": ids,
                "count": count,
                "as_offers": as_offers,
                "emails": count if as_offers else 2 * count,
                "not_told": review_reads.not_told(run),
            },
        )
    if action == "tell_waiting":
        told = services.tell_waiting_students(request.user, run)
        messages.success(
            request,
            ngettext(
                "%(count)d student is told they are on the waiting list.",
                "%(count)d students are told they are on the waiting list.",
                told,
            )
            % {"count": told},
        )
    else:
        services.start_confirmation(request.user, run, None if action == "confirm_all" else ids)
        messages.success(
            request,
            _("Offering the pairs to the buddies: each buddy gets an email as their offer is made.")
            if as_offers
            else _("Confirming the pairs: the emails go out as each pair is made."),
        )
    return redirect("matching:review", run_id=run.pk)


@coordinator_required
def pairs(request: HttpRequest) -> HttpResponse:
    search = PairSearchForm(request.GET or None)
    term, origin = search.term(), search.chosen_origin()
    return render(
        request,
        "matching/pairs.html",
        {
            "page": _page(request, selectors.active_pairs(term, origin)),
            "q": term or origin,
            "search": search,
            "query": _query_without(request, "page"),
        },
    )


@coordinator_required
def end_pair(request: HttpRequest, pair_id: int) -> HttpResponse:
    """Ending a pair asks first: this page says who is told, and why it ends."""
    pair = get_object_or_404(
        Pair.objects.active().select_related("incoming__user", "buddy__user"), pk=pair_id
    )
    form = EndPairForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pair_services.end_pair(
            request.user, pair, Pair.EndReason.COORDINATOR, note=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            _("The pair has ended; both students are told, and the incoming student waits again."),
        )
        return redirect("matching:pairs")
    return render(request, "matching/end_pair.html", {"pair": pair, "form": form})


ROLES = ("incoming", "buddy")


def _search_urls() -> dict[str, str]:
    return {role: reverse("matching:find_student", kwargs={"role": role}) for role in ROLES}


def _new_pair_forms(request: HttpRequest) -> tuple[ManualPairForm, StudentSearchForm]:
    form = ManualPairForm(request.POST or None)
    search = StudentSearchForm(request.GET or None, search_urls=_search_urls())
    for role in ROLES:
        form.show_results(role, search.term(role))
    return form, search


@coordinator_required
def new_pair(request: HttpRequest) -> HttpResponse:
    form, search = _new_pair_forms(request)
    broken: tuple[str, ...] = ()
    if request.method == "POST" and form.is_valid():
        incoming, buddy = form.cleaned_data["incoming"], form.cleaned_data["buddy"]
        try:
            if request.POST.get("action") == "pin":
                services.pin_pair(request.user, incoming, buddy)
                messages.success(request, _("Pinned: the next run keeps this pair."))
            else:
                made = services.create_pair_by_hand(
                    request.user,
                    incoming,
                    buddy,
                    accept_broken_constraints=form.cleaned_data["accept_broken_constraints"],
                )
                if isinstance(made, Offer):
                    messages.success(
                        request, _("Offered to the buddy: the pair is made when they accept.")
                    )
                    return redirect("offers:coordinator")
                messages.success(request, _("Pair made; both students get an email."))
            return redirect("matching:pairs")
        except services.BrokenConstraints as error:
            broken = error.constraints
        except pair_services.PairNotPossible:
            form.add_error(
                None,
                _(
                    "This pair is not possible now: a student has left the programme, is not "
                    "verified or their stay is over, the student has a buddy or the buddy is full."
                ),
            )
    return render(
        request,
        "matching/new_pair.html",
        {
            "form": form,
            "search": search,
            "broken": [constraint_name(c) for c in broken],
            "as_offers": services.offers_buddies(),
        },
    )


@coordinator_required
def find_student(request: HttpRequest, role: str) -> HttpResponse:
    """The students matching what was typed in one search box of the new-pair form (htmx)."""
    if role not in ROLES:
        raise Http404
    form = ManualPairForm()
    search = StudentSearchForm(request.GET, search_urls=_search_urls())
    form.show_results(role, search.term(role))
    return render(
        request,
        "matching/_student_choices.html",
        {"field": form[role], "searched": search.term(role)},
    )


@coordinator_required
def waiting(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "matching/waiting.html",
        {
            "page": _page(request, selectors.waiting_students()),
            "query": _query_without(request, "page"),
        },
    )


@coordinator_required
def policy(request: HttpRequest) -> HttpResponse:
    current = MatchingPolicy.load()
    if request.method == "POST" and request.POST.get("action") == "reset":
        services.reset_policy(request.user)
        messages.success(request, _("The matching settings are back to their defaults."))
        return redirect("matching:policy")
    form = PolicyForm(request.POST or None, initial=PolicyForm.initial_from(current))
    if request.method == "POST" and form.is_valid():
        services.update_policy(request.user, form.policy_values())
        messages.success(request, _("Matching settings saved. They apply from the next run."))
        return redirect("matching:policy")
    return render(request, "matching/policy.html", {"form": form})
