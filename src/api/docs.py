"""/api/: what the API is and where its documentation is, on either host."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "api/index.html")


def schema_urls(urlconf: str) -> list:
    """The schema of the host's own API (`urlconf`), and Swagger UI reading it.

    Swagger UI's files come from drf-spectacular-sidecar, served as our static files; its
    start script too (the split view), so that the page keeps the site's CSP (no inline
    script). Redoc is left out: it injects styles at run time, which the CSP refuses.
    """
    docs = SpectacularSwaggerSplitView.as_view(
        url_name="api:schema", template_name="api/swagger_ui.html"
    )
    return [
        path("schema/", SpectacularAPIView.as_view(urlconf=urlconf), name="schema"),
        path("docs/", docs, name="docs"),
    ]
