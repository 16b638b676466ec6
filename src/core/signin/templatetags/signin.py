"""Sign-in pieces that other apps' templates include: the buttons of the login page, what a
provider proved of a student (coordinators' student page), the coordinators' settings card."""

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from core.accounts.models import User
from core.signin import selectors
from core.signin.forms import SigninSettingsForm
from core.signin.models import Provider, SigninSettings
from tenants.models import site_url

register = template.Library()


@register.inclusion_tag("signin/_buttons.html", takes_context=True)
def signin_buttons(context: dict, back: str = "", linked=(), heading: bool = True) -> dict:
    """A button per method the section offers (but those in `linked`), each starting on the
    root domain and coming back to `back` (the login page's checked `next`) on this host."""
    request: HttpRequest = context["request"]
    path = back or context.get("next") or ""
    back_url = request.section.portal_url + (path if path.startswith("/") else reverse("core:home"))
    start = site_url(settings.BASE_DOMAIN)
    return {
        "heading": heading,
        "buttons": [
            (
                Provider(provider).label,
                start
                + reverse(
                    "signin_public:start", urlconf=settings.PUBLIC_SCHEMA_URLCONF, args=[provider]
                )
                + "?"
                + urlencode({"next": back_url}),
            )
            for provider in selectors.offered_providers()
            if provider not in linked
        ],
    }


@register.inclusion_tag("signin/_identities.html")
def external_identities(user: User) -> dict:
    return {"identities": list(selectors.identities_of(user))}


@register.inclusion_tag("signin/_settings_card.html", takes_context=True)
def signin_settings_card(context: dict) -> dict:
    return {
        "form": SigninSettingsForm(instance=SigninSettings.load()),
        "requests": selectors.open_coordinator_requests().count(),
        "csrf_token": context.get("csrf_token"),
    }
