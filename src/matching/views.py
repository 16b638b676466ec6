"""The coordinator's matching pages on the section's subdomain."""

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.ids import parse_ids
from core.permissions import coordinator_required
from matching import pairs as pair_services
from matching import selectors, services
from matching.explanations import constraint_name, hobby_names, reasons
from matching.forms import EndPairForm, ManualPairForm, PolicyForm, ReviewFilterForm
from matching.models import MatchingPolicy, MatchRun, Pair, Proposal
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


@coordinator_required
def review(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(MatchRun, pk=run_id)
    filters = ReviewFilterForm(request.GET or None)
    proposals = run.proposals.select_related("incoming__user", "buddy__user")
    if filters.is_valid():
        data = filters.cleaned_data
        if data["status"]:
            proposals = proposals.filter(status=data["status"])
        if data["min_score"] is not None:
            proposals = proposals.filter(score__gte=data["min_score"])
        if data["search"]:
            term = data["search"]
            proposals = proposals.filter(
                Q(incoming__user__last_name__icontains=term)
                | Q(incoming__user__first_name__icontains=term)
                | Q(incoming__user__email__icontains=term)
                | Q(buddy__user__last_name__icontains=term)
                | Q(buddy__user__first_name__icontains=term)
                | Q(buddy__user__email__icontains=term)
            )
        proposals = proposals.order_by(data["sort"] or "-score", "pk")
    names = hobby_names()
    rows = [(proposal, reasons(proposal.details, names)) for proposal in proposals]
    return render(request, "matching/review.html", {"run": run, "rows": rows, "filters": filters})


@require_POST
@coordinator_required
def decide(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(MatchRun, pk=run_id)
    action = request.POST.get("action")
    if action == "confirm_all":
        ids = list(
            run.proposals.filter(status=Proposal.Status.PROPOSED).values_list("pk", flat=True)
        )
    else:
        ids = parse_ids(request.POST.getlist("proposal"))
        ids = list(run.proposals.filter(pk__in=ids).values_list("pk", flat=True))
    if not ids:
        messages.error(request, _("Select at least one proposal."))
    elif action == "reject":
        decision = services.reject_proposals(request.user, ids)
        messages.success(
            request,
            ngettext("%(count)d proposal rejected.", "%(count)d proposals rejected.", decision.done)
            % {"count": decision.done},
        )
    elif action in ("confirm", "confirm_all"):
        decision = services.confirm_proposals(request.user, ids)
        messages.success(
            request,
            ngettext("%(count)d pair confirmed.", "%(count)d pairs confirmed.", decision.done)
            % {"count": decision.done},
        )
        if decision.skipped:
            messages.warning(
                request,
                ngettext(
                    "%(count)d proposal was already decided or is no longer possible.",
                    "%(count)d proposals were already decided or are no longer possible.",
                    decision.skipped,
                )
                % {"count": decision.skipped},
            )
    return redirect("matching:review", run_id=run.pk)


@coordinator_required
def pairs(request: HttpRequest) -> HttpResponse:
    active = (
        Pair.objects.active()
        .select_related("incoming__user", "buddy__user")
        .order_by("-confirmed_at")
    )
    return render(request, "matching/pairs.html", {"pairs": active, "end_form": EndPairForm()})


@require_POST
@coordinator_required
def end_pair(request: HttpRequest, pair_id: int) -> HttpResponse:
    pair = get_object_or_404(Pair.objects.active(), pk=pair_id)
    form = EndPairForm(request.POST)
    if form.is_valid():
        pair_services.end_pair(
            request.user, pair, Pair.EndReason.COORDINATOR, note=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            _("The pair has ended; both students are told, and the incoming student waits again."),
        )
    else:
        messages.error(request, _("Say why the pair ends."))
    return redirect("matching:pairs")


@coordinator_required
def new_pair(request: HttpRequest) -> HttpResponse:
    form = ManualPairForm(request.POST or None)
    broken: tuple[str, ...] = ()
    if request.method == "POST" and form.is_valid():
        incoming, buddy = form.cleaned_data["incoming"], form.cleaned_data["buddy"]
        try:
            if request.POST.get("action") == "pin":
                services.pin_pair(request.user, incoming, buddy)
                messages.success(request, _("Pinned: the next run keeps this pair."))
            else:
                services.create_pair_by_hand(
                    request.user,
                    incoming,
                    buddy,
                    accept_broken_constraints=form.cleaned_data["accept_broken_constraints"],
                )
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
        {"form": form, "broken": [constraint_name(c) for c in broken]},
    )


@coordinator_required
def waiting(request: HttpRequest) -> HttpResponse:
    students = waiting_incoming().select_related("user").order_by("arrival_date")
    return render(request, "matching/waiting.html", {"students": students})


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
