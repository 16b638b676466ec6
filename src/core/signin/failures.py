"""Every way a sign-in can fail, and what the page says: one place for both hosts."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

FAILURES = {
    "down": (
        503,
        _(
            "The sign-in service did not answer. Please try again in a few minutes, or log in "
            "with your email and password."
        ),
    ),
    "state": (
        400,
        _(
            "We could not check this sign-in: it was started in another browser or tab, or it "
            "took too long. Please start again from the section's page."
        ),
    ),
    "cancelled": (200, _("You cancelled the sign-in. Nothing was changed.")),
    "refused": (400, _("The sign-in service refused this sign-in. Please start again.")),
    "email": (
        400,
        _(
            "Your account at the sign-in service has no verified email address, and we need "
            "one. Add it there, or register with your email and a password."
        ),
    ),
    "linked": (
        409,
        _(
            "This account of the sign-in service is already linked to another account here, "
            "or your account here is linked to another one. Log in with your password, or ask "
            "the section's coordinators."
        ),
    ),
    "disabled": (404, _("This section does not offer this sign-in method.")),
    "expired": (
        400,
        _(
            "This sign-in has expired or was used already. Please start again from the "
            "section's page."
        ),
    ),
    "inactive": (403, _("This account is deactivated. Please ask the section's coordinators.")),
    "next": (
        400,
        _("We could not tell which section you came from. Please start again from its page."),
    ),
}


def failure_page(request: HttpRequest, reason: str) -> HttpResponse:
    status, message = FAILURES[reason]
    base = "section_base.html" if getattr(request, "section", None) else "base.html"
    return render(
        request,
        "signin/failed.html",
        {"message": message, "base_template": base, "reason": reason},
        status=status,
    )
