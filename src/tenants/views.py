from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.selectors import active_sections_by_country


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/landing.html", {"countries": active_sections_by_country()})
