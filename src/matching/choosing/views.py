"""The requests page of a local buddy, and taking a request. Thin: the rules are in
`choosing.selectors` (what is shown) and `choosing.services` (taking)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.models import Profile
from core.views import student_required
from matching.choosing import selectors
from matching.choosing.refusals import refusal
from matching.choosing.services import CannotTake, take_request


@student_required
def requests(request: HttpRequest, profile: Profile) -> HttpResponse:
    found = selectors.requests_for(profile, request.GET.get("page"))
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
