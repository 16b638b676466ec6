import pytest
from django.test import Client

from core.accounts.models import User
from tenants.models import Domain, Section

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db) -> Client:
    User.objects.create_superuser("root@example.org", "long-enough-pass")
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(email="root@example.org"))
    return client


FORM = {
    "schema_name": "lyon",
    "name": "ESN Lyon",
    "city": "Lyon",
    "country": "FR",
    "kind": "association",
    "contact_email": "",
    "default_language": "fr",
    "coordinator_email": "lea@example.org",
}


def test_admin_onboards_a_section_through_the_service(admin_client):
    response = admin_client.post("/admin/tenants/section/add/", FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    section = Section.objects.get(schema_name="lyon")
    assert section.contact_email == "lea@example.org"
    assert Domain.objects.filter(tenant=section, domain="lyon.localhost").exists()


def test_admin_shows_field_errors_and_creates_nothing(admin_client):
    before = Section.objects.count()
    response = admin_client.post(
        "/admin/tenants/section/add/", {**FORM, "schema_name": "www", "coordinator_email": "x"}
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "is reserved" in errors["schema_name"][0]
    assert "coordinator_email" in errors
    assert Section.objects.count() == before


def test_admin_edits_branding_but_not_the_slug(admin_client, lille):
    response = admin_client.get(f"/admin/tenants/section/{lille.pk}/change/")
    assert response.status_code == 200
    assert 'name="schema_name"' not in response.content.decode()


def test_sections_cannot_be_deleted_from_the_admin(admin_client, lille):
    assert admin_client.get(f"/admin/tenants/section/{lille.pk}/delete/").status_code == 403


def test_a_section_coordinator_cannot_use_the_admin(lille_client):
    assert lille_client.get("/admin/").status_code == 404
    anonymous = Client(HTTP_HOST="localhost")
    assert anonymous.get("/admin/tenants/section/").status_code == 302
