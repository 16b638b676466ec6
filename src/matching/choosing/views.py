"""The requests page of a local buddy, and taking a request. Thin: the rules are in
`choosing.selectors` (what is shown) and `choosing.services` (taking)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.models import Profile
from core.views import student_required
from matching.choosing import selectors
from matching.choosing.services import CannotTake, take_request
from matching.models import MatchingPolicy


@student_required
def requests(request: HttpRequest, profile: Profile) -> HttpResponse:
    found = (
        selectors.Requests("not_a_buddy")
        if profile.is_incoming
        else selectors.requests_for(profile, request.GET.get("page"))
    )
    return render(request, "matching/choosing/requests.html", {"found": found})


@require_POST
@student_required
def take(request: HttpRequest, profile: Profile, incoming_id: int) -> HttpResponse:
    incoming = get_object_or_404(Profile, pk=incoming_id)
    try:
        take_request(request.user, incoming.pk)
    except CannotTake as refused:
        messages.error(request, refusal(refused.reason, profile))
        return redirect("choosing:requests")
    messages.success(
        request,
        _(
            "Done: you are this student's buddy. We emailed you both; their contact is on "
            "your account page. Say hello!"
        ),
    )
    return redirect("core:account")


def refusal(reason: str, buddy: Profile) -> str:
    """The words for a refused take (`CannotTake.reason`), for the page and the API."""
    if reason == CannotTake.LIMIT:
        picks = selectors.picks(buddy, MatchingPolicy.load())
        return _(
            "You have taken %(limit)s requests in %(days)s days, the most your section allows. "
            "You can take another one from %(date)s."
        ) % {
            "limit": picks.limit,
            "days": picks.period_days,
            "date": date_format(picks.next_on, "DATE_FORMAT") if picks.next_on else "—",
        }
    return str(REFUSALS.get(reason, REFUSALS[CannotTake.GONE]))


REFUSALS = {
    CannotTake.CLOSED: gettext_lazy(
        "Buddies do not choose their students in this section at the moment."
    ),
    CannotTake.NOT_A_BUDDY: gettext_lazy("Only local buddies take requests."),
    CannotTake.FULL: gettext_lazy(
        "You have no free place left. You can change how many students you can take in "
        "your profile."
    ),
    CannotTake.TAKEN: gettext_lazy(
        "Sorry, another buddy took this request just before you. Have a look at the others!"
    ),
    CannotTake.GONE: gettext_lazy(
        "This request is no longer open to you. Have a look at the others!"
    ),
}
