"""Sections joining: a request on the root domain, the country's admins emailed, approved
(onboarded, the coordinator invited) or declined with a reason, the applicant told."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.outbox.services import relay
from network.models import AdminEvent, JoinRequest
from tenants.models import Section

pytestmark = pytest.mark.django_db

REQUEST = {
    "name": "ESN Lyon",
    "city": "Lyon",
    "country": "FR",
    "kind": "association",
    "contact_name": "Léa Applicant",
    "contact_email": "lea@example.org",
    "coordinator_email": "coordinator@lyon.example.org",
    "default_language": "fr",
    "message": "We run a buddy programme on paper.",
}


def relay_public():
    with schema_context("public"):
        return relay()


def ask(**changes) -> JoinRequest:
    response = Client(HTTP_HOST="localhost").post("/network/join/", {**REQUEST, **changes})
    assert response.status_code == 302, response.content.decode()
    return JoinRequest.objects.get(name=changes.get("name", REQUEST["name"]))


def test_a_request_emails_the_national_admins_of_its_country_only(
    national_fr, national_de, mailoutbox
):
    join = ask()
    relay_public()
    assert [email.to for email in mailoutbox] == [["fr@network.example.org"]]
    assert f"/network/requests/{join.pk}/" in mailoutbox[0].body
    assert AdminEvent.objects.filter(action="join_requested", country="FR").exists()


def test_a_bad_request_gets_form_errors(national_fr):
    response = Client(HTTP_HOST="localhost").post(
        "/network/join/", {**REQUEST, "contact_email": "nope", "country": "XX"}
    )
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_approval_onboards_the_section_invites_its_coordinator_and_tells_the_applicant(
    fr_client, national_fr, mailoutbox
):
    join = ask()
    relay_public()
    mailoutbox.clear()
    response = fr_client.post(f"/network/requests/{join.pk}/approve/", {"slug": "lyon"})
    assert response.status_code == 302
    section = Section.objects.get(schema_name="lyon")
    assert (section.name, section.country, section.default_language) == ("ESN Lyon", "FR", "fr")
    join.refresh_from_db()
    assert join.status == JoinRequest.Status.APPROVED and join.section == section
    with schema_context("lyon"):
        assert User.objects.filter(
            email="coordinator@lyon.example.org", is_coordinator=True
        ).exists()
        relay()
    relay_public()
    by_address = {email.to[0]: email for email in mailoutbox}
    assert set(by_address) == {"coordinator@lyon.example.org", "lea@example.org"}
    decision = by_address["lea@example.org"]
    assert "lyon.localhost" in decision.body
    assert "approuvée" in decision.body  # in the language the applicant chose
    # deciding twice does nothing more
    assert (
        fr_client.post(f"/network/requests/{join.pk}/approve/", {"slug": "lyon2"}).status_code
        == 400
    )
    assert not Section.objects.filter(schema_name="lyon2").exists()


def test_an_approval_with_a_taken_address_says_so_and_creates_nothing(
    fr_client, national_fr, lille
):
    join = ask()
    response = fr_client.post(f"/network/requests/{join.pk}/approve/", {"slug": "lille"})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    join.refresh_from_db()
    assert join.status == JoinRequest.Status.PENDING


def test_declining_needs_a_reason_and_tells_the_applicant(fr_client, national_fr, mailoutbox):
    join = ask(default_language="en")
    relay_public()
    mailoutbox.clear()
    assert (
        fr_client.post(f"/network/requests/{join.pk}/decline/", {"reason": "  "}).status_code == 400
    )
    join.refresh_from_db()
    assert join.status == JoinRequest.Status.PENDING
    response = fr_client.post(
        f"/network/requests/{join.pk}/decline/", {"reason": "Lyon already has a section."}
    )
    assert response.status_code == 302
    join.refresh_from_db()
    assert join.status == JoinRequest.Status.DECLINED
    relay_public()
    (email,) = mailoutbox
    assert email.to == ["lea@example.org"]
    assert "Lyon already has a section." in email.body
    assert not Section.objects.filter(city="Lyon").exists()


def test_direct_onboarding_and_csv_import_report_every_row(eu_client, lille):
    csv_text = (
        "slug,name,city,country,coordinator_email,kind,default_language\n"
        "nantes,ESN Nantes,Nantes,FR,c@nantes.example.org,association,fr\n"
        "lille,ESN Lille again,Lille,FR,c@lille2.example.org,association,fr\n"
        "Bad Slug,ESN X,X,ZZ,not-an-email,association,en\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("sections.csv", csv_text.encode(), content_type="text/csv")
    response = eu_client.post("/network/sections/import/", {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 of 3 sections onboarded" in page
    assert "A section with this slug already exists." in page
    assert "two-letter ISO code" in page
    assert Section.objects.filter(schema_name="nantes").exists()
    assert not Section.objects.filter(name="ESN X").exists()


def test_a_csv_without_its_header_is_refused_with_a_message(eu_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.csv", b"nantes,ESN Nantes\n", content_type="text/csv")
    response = eu_client.post("/network/sections/import/", {"file": upload})
    assert response.status_code == 400
    assert "must name the columns" in response.content.decode()


def test_join_requests_are_throttled_per_client(national_fr):
    client = Client(HTTP_HOST="localhost")
    for index in range(5):
        assert client.post("/network/join/", {**REQUEST, "name": f"ESN {index}"}).status_code == 302
    assert client.post("/network/join/", {**REQUEST, "name": "ESN 6"}).status_code == 429
    assert JoinRequest.objects.count() == 5
