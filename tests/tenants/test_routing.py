import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenants.models import Section

pytestmark = pytest.mark.django_db


@pytest.mark.smoke
def test_root_domain_lists_active_sections_by_country_with_links(public_client, lille, paris):
    paris.is_active = False
    paris.save()
    response = public_client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "France" in page
    assert "ESN Lille" in page
    assert f'href="{lille.portal_url}/"' in page
    assert "ESN Paris" not in page


@pytest.mark.smoke
def test_section_subdomain_shows_its_branded_home(lille_client, lille):
    lille.primary_colour = "#ff6600"
    lille.welcome_text = "Bienvenue à Lille <script>alert(1)</script>"
    lille.save()
    response = lille_client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.section.schema_name == "lille"
    page = response.content.decode()
    assert "--primary: #ff6600" in page
    assert "Bienvenue à Lille &lt;script&gt;" in page
    assert '<html lang="fr">' in page  # lille's default language


def test_the_chosen_language_wins_over_the_sections_default(lille_client):
    lille_client.cookies["django_language"] = "en"
    assert '<html lang="en">' in lille_client.get("/").content.decode()


def test_each_host_gets_its_own_section(lille_client, paris_client):
    assert "ESN Lille" in lille_client.get("/").content.decode()
    assert "ESN Paris" in paris_client.get("/").content.decode()
    assert paris_client.get("/").wsgi_request.section.schema_name == "paris"


@pytest.mark.smoke
def test_unknown_subdomain_gets_a_friendly_404():
    response = Client(HTTP_HOST="nowhere.localhost").get("/")
    assert response.status_code == 404
    assert "There is no buddy programme here" in response.content.decode()
    assert "nowhere.localhost" in response.content.decode()


def test_inactive_section_gets_its_closed_page(
    lille_client, lille, django_capture_on_commit_callbacks
):
    assert lille_client.get("/").status_code == 200  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        lille.is_active = False
        lille.save()
    response = lille_client.get("/", HTTP_COOKIE="django_language=en")
    assert response.status_code == 410
    assert "ESN Lille's buddy programme is closed" in response.content.decode()


def test_a_new_domain_is_served_at_once(lille, django_capture_on_commit_callbacks):
    client = Client(HTTP_HOST="buddies.lille.fr")
    assert client.get("/").status_code == 404  # the miss is cached too
    with django_capture_on_commit_callbacks(execute=True):
        lille.domains.create(domain="buddies.lille.fr", is_primary=False)
    with pytest.MonkeyPatch.context() as patch:
        from django.conf import settings

        patch.setattr(settings, "ALLOWED_HOSTS", [*settings.ALLOWED_HOSTS, "buddies.lille.fr"])
        assert client.get("/").status_code == 200


def test_section_lookups_are_cached(lille_client, django_assert_num_queries):
    lille_client.get("/")
    with django_assert_num_queries(0):
        lille_client.get("/healthz")
    with CaptureQueriesContext(connection) as queries:
        assert lille_client.get("/").status_code == 200
    assert queries.captured_queries
    assert not [q for q in queries.captured_queries if "tenants_domain" in q["sql"]]


def test_section_urls_are_not_served_on_the_root_domain(public_client):
    assert public_client.get("/accounts/login/").status_code == 404


def test_admin_is_not_served_on_a_section(lille_client):
    assert lille_client.get("/admin/").status_code == 404


def test_unknown_path_on_a_section_is_a_friendly_404(lille_client):
    lille_client.cookies["django_language"] = "en"
    response = lille_client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Go to the home page" in response.content.decode()


def test_disallowed_host_is_refused():
    assert Client(HTTP_HOST="evil.example.com").get("/").status_code in (400, 404)


def test_section_list_leaves_out_public_and_inactive(lille, paris):
    from tenants.selectors import active_sections_by_country

    Section.objects.filter(pk=paris.pk).update(is_active=False)
    assert active_sections_by_country() == [("France", [lille])]


def test_the_language_switcher_lists_the_sections_language_first(lille_client, paris_client):
    lille_page = lille_client.get("/").content.decode()
    assert lille_page.index('value="fr"') < lille_page.index('value="en"')
    paris_page = paris_client.get("/").content.decode()
    assert paris_page.index('value="en"') < paris_page.index('value="fr"')


def test_switching_language_is_remembered(lille_client):
    response = lille_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in lille_client.get("/").content.decode()


def test_the_unknown_host_page_speaks_the_visitors_language(lille_client):
    lille_client.get("/")  # leaves French active in this thread
    english = Client(HTTP_HOST="nowhere.localhost", HTTP_ACCEPT_LANGUAGE="en")
    assert "There is no buddy programme here" in english.get("/").content.decode()
    french = Client(HTTP_HOST="nowhere.localhost", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Il n" in french.get("/").content.decode()
