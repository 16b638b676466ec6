"""The coordinators' API tokens page: create (shown once), list, revoke."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from api import tokens
from api.forms import NewTokenForm
from api.models import ApiToken
from core.permissions import coordinator_required


@coordinator_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = NewTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _token, secret = tokens.create_token(request.user, **form.cleaned_data)
        form = NewTokenForm()
    listed = ApiToken.objects.select_related("user").order_by("-created_at")
    # The token is in this answer only: never stored, never cached.
    response = render(
        request, "api/tokens.html", {"form": form, "secret": secret, "tokens": listed}
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@coordinator_required
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    tokens.revoke_token(request.user, get_object_or_404(ApiToken, pk=token_id))
    messages.success(request, _("The token was revoked: it no longer opens the API."))
    return redirect("api_tokens:list")
