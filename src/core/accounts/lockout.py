"""What django-axes counts failed logins by: the address in the one spelling it is stored in,
so that `ANA@example.org` shares the attempts of `ana@example.org` (AXES_USERNAME_CALLABLE)."""

from django.conf import settings
from django.http import HttpRequest

from core.accounts.models import normalise_email


def login_email(request: HttpRequest, credentials: dict | None = None) -> str:
    field = settings.AXES_USERNAME_FORM_FIELD
    submitted = (credentials or {}).get(field) or request.POST.get(field, "")
    return normalise_email(submitted)
