"""URLs of the root domain: the public site and the platform admins' Django admin."""

from django.contrib import admin
from django.urls import include, path

from tenants import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("api.urls")),
]
