from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The section's branded front page."""
    return render(request, "core/home.html", {"section": request.section})
