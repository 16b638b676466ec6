"""`ETag` on the API's reads, `If-None-Match` answered with 304 Not Modified.

The tag is a hash of the answer (Django's ConditionalGetMiddleware): the server still builds
the answer, the client does not download it again, and a polling integration (a match run's
progress) gets a few bytes while nothing changed. The web pages are left alone: their
nonces make every answer differ.
"""

from django.http import HttpRequest, HttpResponse
from django.middleware.http import ConditionalGetMiddleware


class ConditionalGetForApi(ConditionalGetMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return response
        return super().process_response(request, response)
