"""Error pages wear the section's branding and speak the visitor's language; the favicon
is found on every host."""

import pytest
from django.test import Client, RequestFactory
from django.urls import set_urlconf

from clients import section_client
from config.errors import server_error
from factories import ProfileFactory

pytestmark = pytest.mark.django_db


def test_a_student_on_a_coordinator_page_gets_the_sections_403(lille, in_section):
    with in_section(lille):
        student = ProfileFactory()
    response = section_client(lille, student.user, language="fr").get("/coordinator/")
    assert response.status_code == 403
    assert "Cette page ne vous est pas destinée" in response.text
    assert 'class="brand" href="/">ESN Lille</a>' in response.text  # the section's header


def test_a_missing_page_of_a_section_is_its_404_in_the_visitors_language(lille):
    response = Client(HTTP_HOST=lille.host, HTTP_ACCEPT_LANGUAGE="en").get("/nowhere/")
    assert response.status_code == 404
    assert "Page not found" in response.text and "ESN Lille</a>" in response.text


def test_the_500_page_is_the_sections_when_it_can_be(lille, settings):
    request = RequestFactory().get("/", HTTP_HOST=lille.host)
    request.section = request.tenant = lille
    request.user = None
    response = server_error(request)
    assert response.status_code == 500
    assert b"Something went wrong" in response.content and b"ESN Lille" in response.content


def test_the_500_page_stays_plain_when_the_branded_one_fails(lille):
    """A section's page rendered with the root domain's URLs cannot be built (its links do
    not exist there): the plain page, in both languages, is served instead."""
    request = RequestFactory().get("/", HTTP_HOST=lille.host)
    request.section = request.tenant = lille
    request.user = None
    set_urlconf("config.urls_public")
    try:
        response = server_error(request)
    finally:
        set_urlconf(None)
    assert response.status_code == 500
    assert b"Une erreur est survenue" in response.content  # templates/500.html


@pytest.mark.parametrize("host", ["localhost", "lille.localhost"])
def test_the_favicon_is_found_on_every_host(host):
    response = Client(HTTP_HOST=host).get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
