from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.urls import set_urlconf
from django.utils import translation
from django.utils.translation import trans_real
from django_tenants.middleware.main import TenantMainMiddleware

from tenants import selectors
from tenants.models import Domain, site_url


class SectionMiddleware(TenantMainMiddleware):
    """Route a request by host: the root domain to the public site, <slug>.<domain> to a section.

    Sets `request.section`: the Section on a section's host, None on the public site.

    Unknown hosts get a friendly 404 page from the public site; a deactivated section's host
    answers every path with its "closed" page (410), so nobody registers or logs in there,
    while its data is kept for when it is reactivated.
    """

    def _route(self, request: HttpRequest) -> HttpResponse | None:
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
        if section is None:
            raise Domain.DoesNotExist
        return section

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        response = self._route(request)
        section = getattr(request, "section", None)
        if response is None and section is not None and not section.is_active:
            return self._closed(request, section)
        return response

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

    def _closed(self, request: HttpRequest, section) -> HttpResponse:
        connection.set_schema_to_public()
        self._serve_public_site(request)
        request.section = section  # the page keeps the section's name and language
        activate_visitor_language(request)
        return render(
            request,
            "tenants/section_closed.html",
            {"closed": section, "home_url": site_url(settings.BASE_DOMAIN)},
            status=410,
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
    """The language the visitor chose (the switcher's cookie, kept a year), else the first
    of their browser's languages that the platform speaks, else the section's own language.
    A French section speaks English to an English browser: its students are mostly not
    French."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    section = getattr(request, "section", None)
    if chosen in dict(settings.LANGUAGES):
        language = chosen
    else:
        language = browser_language(request) or (
            section.default_language if section is not None else settings.LANGUAGE_CODE
        )
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()


def browser_language(request: HttpRequest) -> str | None:
    """The first language of the browser's Accept-Language that the platform speaks."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in trans_real.parse_accept_lang_header(header):
        if code == "*":
            return None
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None
