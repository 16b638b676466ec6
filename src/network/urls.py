from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from core.accounts.forms import EmailAuthenticationForm
from network import views

app_name = "network"
urlpatterns = [
    path("", views.statistics, name="statistics"),
    path("statistics.csv", views.statistics_csv, name="statistics_csv"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="network/login.html",
            authentication_form=EmailAuthenticationForm,
            next_page=reverse_lazy("network:statistics"),
        ),
        name="login",
    ),
    path(
        "logout/",
        auth_views.LogoutView.as_view(next_page=reverse_lazy("network:login")),
        name="logout",
    ),
    path(
        "set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="network/set_password.html",
            success_url=reverse_lazy("network:login"),
        ),
        name="set_password",
    ),
    path("join/", views.join, name="join"),
    path("join/sent/", views.join_sent, name="join_sent"),
    path("requests/", views.join_requests, name="join_requests"),
    path("requests/<int:request_id>/", views.join_request, name="join_request"),
    path(
        "requests/<int:request_id>/approve/",
        views.approve_join_request,
        name="approve_join_request",
    ),
    path(
        "requests/<int:request_id>/decline/",
        views.decline_join_request,
        name="decline_join_request",
    ),
    path("sections/", views.sections, name="sections"),
    path("sections/new/", views.new_section, name="new_section"),
    path("sections/import/", views.import_sections, name="import_sections"),
    path("sections/<int:section_id>/", views.section, name="section"),
    path("sections/<int:section_id>/active/", views.set_section_active, name="set_section_active"),
    path(
        "sections/<int:section_id>/coordinators/",
        views.invite_coordinator,
        name="invite_coordinator",
    ),
    path(
        "sections/<int:section_id>/coordinators/<int:user_id>/deactivate/",
        views.deactivate_coordinator,
        name="deactivate_coordinator",
    ),
    path(
        "sections/<int:section_id>/support/", views.open_support_access, name="open_support_access"
    ),
    path(
        "sections/<int:section_id>/support/<int:grant_id>/end/",
        views.end_support_access,
        name="end_support_access",
    ),
    path("admins/", views.admin_list, name="admins"),
    path("admins/<int:role_id>/deactivate/", views.deactivate_admin, name="deactivate_admin"),
    path("audit/", views.audit_log, name="audit_log"),
]
