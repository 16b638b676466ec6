from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from core.accounts import views
from core.accounts.forms import EmailAuthenticationForm

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", authentication_form=EmailAuthenticationForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/set_password.html",
            success_url=reverse_lazy("accounts:password_set"),
        ),
        name="set_password",
    ),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path(
        "set-password/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_set.html"),
        name="password_set",
    ),
]
