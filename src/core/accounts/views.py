from django import forms
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.accounts.services import request_password_reset
from core.throttling import attempts_exceeded

RESETS_PER_HOUR = 5


def landing_page(user) -> str:
    """Where a person lands after logging in with no page asked for: coordinators on their
    dashboard, students on their account."""
    if getattr(user, "is_coordinator", False):
        return reverse("coordinator:dashboard")
    return reverse("core:account")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"

    def get_default_redirect_url(self) -> str:
        return landing_page(self.request.user)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The emailed link (invitation or reset): choosing the password logs the person in, so
    a new coordinator goes straight to the dashboard instead of a second login."""

    template_name = "accounts/set_password.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def get_success_url(self) -> str:
        return landing_page(self.request.user)


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
