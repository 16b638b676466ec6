"""Which language a page opens in: the visitor's choice, else their browser's language when
the platform speaks it, else the section's own."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def page_language(client: Client, path: str = "/accounts/login/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.text.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("en-GB,en;q=0.9", "en"),  # an English browser on a French section
        ("es-ES,es;q=0.9,en;q=0.5", "en"),  # the first language the platform speaks
        ("fr-BE", "fr"),
        ("es-ES,de;q=0.8", "fr"),  # none the platform speaks: the section's own
        ("", "fr"),
        ("*", "fr"),
        ("not a header ;;q=x", "fr"),
    ],
)
def test_a_french_section_opens_in_the_browsers_language(lille, accept_language, expected):
    assert lille.default_language == "fr"
    client = Client(HTTP_HOST=lille.host, HTTP_ACCEPT_LANGUAGE=accept_language)
    assert page_language(client) == expected


def test_the_visitors_choice_is_remembered_over_the_browsers(lille):
    client = Client(HTTP_HOST=lille.host, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert client.cookies["django_language"]["max-age"] >= 365 * 24 * 3600 - 1
    assert page_language(client) == "fr"
    assert "Se connecter" in client.get("/accounts/login/").text


def test_the_root_domain_follows_the_browser_too():
    assert page_language(Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="fr"), "/") == "fr"
    assert page_language(Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en"), "/") == "en"


def test_the_switcher_names_each_language_in_itself(lille):
    for accept in ("en", "fr"):
        page = Client(HTTP_HOST=lille.host, HTTP_ACCEPT_LANGUAGE=accept).get("/").text
        switcher = page.split('id="language-switcher"', 1)[1].split("</select>", 1)[0]
        assert ">English</option>" in switcher and ">Français</option>" in switcher
