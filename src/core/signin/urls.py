"""The section host's sign-in pages (config.urls_tenant)."""

from django.urls import path

from core.signin import views

app_name = "signin"
urlpatterns = [
    path("complete/", views.complete, name="complete"),
    path("link/", views.link, name="link"),
    path("link/<str:token>/", views.link_confirm, name="link_confirm"),
    path("register/", views.register, name="register"),
    path("coordinator-role/", views.offer, name="offer"),
    path("coordinator-requests/", views.coordinator_requests, name="coordinator_requests"),
    path("settings/", views.update_settings, name="settings"),
]
