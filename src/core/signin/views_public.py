"""The root domain's sign-in pages: one host starts every external login and receives the
provider's answer (providers register exact redirect URIs), then hands the person back to
their section's host with a one-time code."""

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from core.signin import providers, selectors, services
from core.signin.failures import failure_page
from core.signin.models import Provider

logger = logging.getLogger(__name__)


def start(request: HttpRequest, provider: str) -> HttpResponse:
    if provider not in Provider.values:
        raise Http404
    found = selectors.started_for(request.GET.get("next", ""))
    if found is None:
        return failure_page(request, "next")
    section, started = found
    if not selectors.offered_in(section, provider):
        return failure_page(request, "disabled")
    try:
        return redirect(providers.start(request, provider, started))
    except providers.SigninFailed as failed:
        logger.warning("sign-in with %s not started: %s", provider, failed.reason)
        return failure_page(request, failed.reason)


def callback(request: HttpRequest, provider: str) -> HttpResponse:
    if provider not in Provider.values:
        raise Http404
    try:
        claims, started = providers.finish(request, provider)
        if not (claims.email and claims.email_verified):
            raise providers.SigninFailed("email")
    except providers.SigninFailed as failed:
        # the reason only: never a claim, a code or an address
        logger.info("sign-in with %s failed: %s", provider, failed.reason)
        return failure_page(request, failed.reason)
    found = selectors.section_by_schema(started.schema)
    if found is None:
        return failure_page(request, "next")
    code = services.hand_off(claims, started)
    return redirect(
        f"{found.portal_url}{reverse('signin:complete', urlconf=settings.ROOT_URLCONF)}?code={code}"
    )
