"""Uploaded files (sections' logos) served by the application when DEBUG is off.

Django's `static()` URL patterns serve MEDIA_ROOT only with DEBUG; in production something
must. Logos are small, public (every page of their section shows them) and stored under a
fresh random name for every upload (tenants.models), so an answer can be cached for ever and
served by every web pod from the shared volume (the chart's ReadWriteMany claim, compose's
`media` volume); no second server or sidecar is needed. `django.views.static.serve` refuses
paths that leave MEDIA_ROOT and answers 404 for what is not there.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.static import serve

CACHE_FOR_EVER = "public, max-age=31536000, immutable"


class MediaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = "/" + settings.MEDIA_URL.strip("/") + "/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG or not request.path.startswith(self.prefix):
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        try:
            response = serve(request, request.path[len(self.prefix) :], settings.MEDIA_ROOT)
        except Http404:
            return HttpResponse("not found\n", status=404, content_type="text/plain")
        response["Cache-Control"] = CACHE_FOR_EVER
        return response
