from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from core.accounts.services import request_password_reset
from core.throttling import attempts_exceeded

RESETS_PER_HOUR = 5


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)


def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if attempts_exceeded(request, "password-reset", RESETS_PER_HOUR, 3600):
            return render(request, "core/too_many_attempts.html", status=429)
        request_password_reset(form.cleaned_data["email"])
        return redirect("accounts:password_reset_sent")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_sent.html")
