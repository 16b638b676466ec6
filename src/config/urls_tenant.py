"""URLs of a section's subdomain."""

from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path

from config.errors import server_error
from config.favicon import favicon

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("core.accounts.urls")),
    path("coordinator/", include("coordinator.urls")),
    path("coordinator/support/", include("network.support_urls")),
    path("coordinator/matching/", include("matching.urls")),
    path("coordinator/api-tokens/", include("api.token_urls")),
    path("", include("core.events.urls")),
    path("", include("core.guides.urls")),
    path("", include("core.exchange.urls")),
    path("", include("matching.followup.urls")),
    path("", include("matching.offers.urls")),
    path("", include("matching.choosing.urls")),
    path("signin/", include("core.signin.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", favicon, name="favicon"),
    path("", include("api.urls_section")),
]

# Uploaded files (section logos) in development; a web server serves them in production.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler500 = server_error
