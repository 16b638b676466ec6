"""The 500 page in the section's branding and the visitor's language, when that much still
works; Django's plain one (templates/500.html, both languages, no database) otherwise."""

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults

logger = logging.getLogger(__name__)


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return render(request, "500_page.html", status=500)
    except Exception as error:  # the database or a template is what failed: keep it plain
        logger.warning("branded error page failed: %s", type(error).__name__)
        return defaults.server_error(request)
