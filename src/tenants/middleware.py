from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.urls import set_urlconf
from django.utils import translation
from django_tenants.middleware.main import TenantMainMiddleware

from tenants import selectors
from tenants.models import Domain, site_url


class SectionMiddleware(TenantMainMiddleware):
    """Route a request by host: the root domain to the public site, <slug>.<domain> to a section.

    Sets `request.section`: the Section on a section's host, None on the public site.

    Unknown hosts and inactive sections get a friendly 404 page from the public site.
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        connection.set_schema_to_public()
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            return super().process_request(request)
        if hostname == settings.BASE_DOMAIN:
            self._serve_public_site(request)
            return None
        response = super().process_request(request)
        if response is None:
            request.section = request.tenant
        return response

    def get_tenant(self, domain_model, hostname):
        section = selectors.section_for_host(hostname)
        if section is None or not section.is_active:
            raise Domain.DoesNotExist
        return section

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        self._serve_public_site(request)
        # Answered before the language middleware runs: choose the visitor's language here.
        activate_visitor_language(request)
        return render(
            request,
            "tenants/section_not_found.html",
            {"hostname": hostname, "home_url": site_url(settings.BASE_DOMAIN)},
            status=404,
        )

    @staticmethod
    def _serve_public_site(request: HttpRequest) -> None:
        # django-tenants' templates expect a tenant; ours read request.section (None here).
        request.tenant = connection.tenant
        request.section = None
        request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
        set_urlconf(request.urlconf)


class SectionLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        activate_visitor_language(request)


def activate_visitor_language(request: HttpRequest) -> None:
    """The language chosen by the visitor, else the section's default, else the browser's."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    section = getattr(request, "section", None)
    if chosen in dict(settings.LANGUAGES):
        language = chosen
    elif section is not None:
        language = section.default_language
    else:
        language = translation.get_language_from_request(request)
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()
