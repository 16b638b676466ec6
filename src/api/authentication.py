"""Who calls the API: a section's token (`Authorization: Bearer bsk_…`); or the web pages'
session, with CSRF on writes (DRF's SessionAuthentication, listed after this in settings)."""

from django.db import connection
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from api import tokens
from api.models import ApiToken


class ReadOnlyToken(exceptions.PermissionDenied):
    default_detail = _("This token may only read.")
    default_code = "token_read_only"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """A token of this section acts as the coordinator who made it.

    Tokens live in their section's schema, so a token of another section is unknown here and
    refused exactly as a made-up one is. The root domain has no tokens (yet): any token sent
    there is refused too, rather than ignored.
    """

    keyword = "Bearer"

    def authenticate(self, request: Request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        keyword, _space, secret = header.partition(" ")
        if keyword != self.keyword:
            return None
        refused = exceptions.AuthenticationFailed(_("This token is not valid on this host."))
        if connection.schema_name == get_public_schema_name():
            raise refused
        token = tokens.token_for(secret.strip())
        if token is None or not (token.user.is_active and token.user.is_coordinator):
            raise refused
        if token.scope == ApiToken.Scope.READ and request.method not in SAFE_METHODS:
            # here rather than in a permission class: a view's own permission classes replace
            # the default ones, and no view may forget this rule
            raise ReadOnlyToken
        tokens.record_use(token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
