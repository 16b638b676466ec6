"""The buddy's answer to an offer (from their account page), and the coordinators' offers."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.models import Profile
from core.permissions import coordinator_required
from core.views import student_required
from matching.models import Offer
from matching.offers import selectors, services
from matching.offers.forms import DeclineForm, OfferFilterForm

ROWS_PER_PAGE = 50


def _own_offer_or_404(offer_id: int) -> None:
    """An id of no offer of this section is not found; an offer of another student of the
    section is refused by the service (it is not theirs) with a message."""
    if not Offer.objects.filter(pk=offer_id).exists():
        raise Http404


@require_POST
@student_required
def accept(request: HttpRequest, profile: Profile, offer_id: int) -> HttpResponse:
    _own_offer_or_404(offer_id)
    try:
        accepted = services.accept_offer(profile, offer_id)
    except Offer.DoesNotExist:
        messages.error(request, _("This offer is not yours to answer."))
    except services.OfferClosed as closed:
        messages.error(request, closed.message)
    else:
        if accepted.pair is None:
            messages.error(
                request,
                _("Thank you, but this pair is no longer possible: the coordinators are told."),
            )
        else:
            messages.success(
                request, _("Thank you! You both get an email with each other's contact.")
            )
    return redirect("core:account")


@require_POST
@student_required
def decline(request: HttpRequest, profile: Profile, offer_id: int) -> HttpResponse:
    _own_offer_or_404(offer_id)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return redirect("core:account")
    try:
        services.decline_offer(profile, offer_id, form.cleaned_data["reason"])
    except Offer.DoesNotExist:
        messages.error(request, _("This offer is not yours to answer."))
    except services.OfferClosed as closed:
        messages.error(request, closed.message)
    else:
        messages.success(
            request, _("Declined. Thank you for telling us: we look for someone else.")
        )
    return redirect("core:account")


@coordinator_required
def coordinator_offers(request: HttpRequest) -> HttpResponse:
    filters = OfferFilterForm(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    page = Paginator(selectors.offers_for_coordinators(status), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "matching/offers/coordinator.html",
        {"filters": filters, "page": page, "query": query.urlencode()},
    )


@require_POST
@coordinator_required
def withdraw(request: HttpRequest, offer_id: int) -> HttpResponse:
    try:
        services.withdraw_offer(request.user, offer_id)
    except Offer.DoesNotExist as missing:
        raise Http404 from missing
    except services.OfferClosed as closed:
        messages.error(request, closed.message)
    else:
        messages.success(request, _("Offer withdrawn: the student waits for the next run."))
    return redirect("offers:coordinator")
