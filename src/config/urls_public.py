"""URLs of the root domain: the public site and the platform admins' Django admin."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from config.errors import server_error
from config.favicon import favicon
from tenants import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("admin/", admin.site.urls),
    path("network/", include("network.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("api.urls_public")),
    path("signin/", include("core.signin.urls_public")),
]

# Uploaded files (section logos) in development; a web server serves them in production.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler500 = server_error
