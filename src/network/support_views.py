"""The one network page on a section's host: where a support access link starts the admin's
read-only session on the coordinator pages."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from core.signing import LinkRefused
from network import support


def enter(request: HttpRequest, token: str) -> HttpResponse:
    try:
        grant = support.grant_for_link(request.section, token)
    except LinkRefused as error:
        raise PermissionDenied from error
    if grant is None:
        raise PermissionDenied  # ended, expired, or another section's
    # A fresh session holding the grant only: whoever was logged in here is logged out.
    request.session.flush()
    request.session[support.SESSION_KEY] = grant.pk
    return redirect("coordinator:dashboard")
