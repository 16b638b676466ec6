"""The root domain's sign-in pages (config.urls_public): the redirect URIs providers know."""

from django.urls import path

from core.signin import views_public

app_name = "signin_public"
urlpatterns = [
    path("<str:provider>/", views_public.start, name="start"),
    path("<str:provider>/callback/", views_public.callback, name="callback"),
]
