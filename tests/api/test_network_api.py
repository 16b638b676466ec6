"""/api/v1/network/…: a network admin's sections and statistics, scoped as the network pages
are (a national admin sees their countries only; a section out of scope is not found), the
statistics the page's, from the snapshots, with its filters."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.models import User
from network.audit import COORDINATOR_INVITED, SECTION_DEACTIVATED
from network.models import AdminCountry, AdminEvent, AdminRole, SectionSnapshot
from network.scope import scope_of
from network.statistics import selectors as stats
from tenants.models import Domain, Section
from tenants.selectors import active_sections

pytestmark = pytest.mark.django_db


def admin_client(email: str, level: str, countries=()) -> Client:
    user = User.objects.create_user(email, password="buddy-network-2026")
    role = AdminRole.objects.create(user=user, level=level)
    for country in countries:
        AdminCountry.objects.create(role=role, country=country)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


@pytest.fixture
def european(db) -> Client:
    return admin_client("eu@network.example.org", AdminRole.Level.EUROPEAN)


@pytest.fixture
def national_fr(db) -> Client:
    return admin_client("fr@network.example.org", AdminRole.Level.NATIONAL, ["FR"])


@pytest.fixture
def berlin(db) -> Section:
    """A German section (a row only: no schema, nothing reads it)."""
    section = Section.objects.create(
        schema_name="berlin", name="ESN Berlin", city="Berlin", country="DE"
    )
    Domain.objects.create(domain="berlin.localhost", tenant=section, is_primary=True)
    return section


@pytest.fixture
def snapshots(lille, paris, berlin):
    rows = [
        (lille, "2025-autumn", 10, 8, 6, {"ES": 6, "IT": 4}),
        (lille, "2026-spring", 20, 15, 12, {"ES": 12, "DE": 8}),
        (paris, "2026-spring", 30, 25, 20, {"BR": 30}),
        (berlin, "2026-spring", 40, 30, 25, {"PL": 40}),
    ]
    for section, semester, registered, verified, matched, nationalities in rows:
        SectionSnapshot.objects.create(
            section=section,
            semester=semester,
            country=section.country,
            taken_at=timezone.now(),
            registered_incoming=registered,
            verified_incoming=verified,
            matched_incoming=matched,
            pairs_made=matched,
            median_days_to_pair=4.0,
            nationalities=nationalities,
        )


def test_a_national_admin_lists_the_sections_of_their_countries(national_fr, berlin):
    body = national_fr.get("/api/v1/network/sections/").json()
    assert [row["slug"] for row in body["results"]] == ["lille", "paris"]
    assert body["results"][0]["url"].startswith("http") and "Berlin" not in str(body)
    searched = national_fr.get("/api/v1/network/sections/?q=paris").json()
    assert [row["slug"] for row in searched["results"]] == ["paris"]


def test_the_search_refuses_a_country_out_of_scope_by_name(national_fr, berlin):
    response = national_fr.get("/api/v1/network/sections/?country=DE")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["country"]


def test_a_european_admin_lists_every_section(european, berlin):
    body = european.get("/api/v1/network/sections/?country=DE").json()
    assert [row["slug"] for row in body["results"]] == ["berlin"]
    assert european.get("/api/v1/network/sections/").json()["count"] == 3


def test_a_section_in_scope_with_its_coordinators_and_history(national_fr, lille, snapshots):
    response = national_fr.get(f"/api/v1/network/sections/{lille.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "ESN Lille" and body["is_active"] is True
    assert body["coordinators"] == [
        {"email": "coordinator@lille.example.org", "is_active": True, "invited": True}
    ]
    assert [row["semester"] for row in body["history"]] == ["2025-autumn", "2026-spring"]
    assert body["history"][1]["registered_incoming"] == 20


def test_a_section_out_of_scope_is_not_found_and_nothing_of_it_is_said(national_fr, berlin):
    response = national_fr.get(f"/api/v1/network/sections/{berlin.pk}/")
    assert response.status_code == 404 and "Berlin" not in response.text


def test_the_statistics_are_the_pages_for_the_scope_and_filters(national_fr, lille, snapshots):
    body = national_fr.get("/api/v1/network/statistics/").json()
    assert body["totals"]["registered_incoming"] == 60  # France only: no Berlin
    assert body["totals"]["match_rate"] == round(100 * 38 / 48)
    assert [row["semester"] for row in body["trend"]] == ["2025-autumn", "2026-spring"]
    assert [row["country"] for row in body["by_country"]] == ["France"]
    assert "Poland" not in str(body)

    query = f"country=FR&section={lille.pk}&semester=2026-spring"
    filtered = national_fr.get(f"/api/v1/network/statistics/?{query}").json()
    scope = scope_of(User.objects.get(email="fr@network.example.org"))
    figures = stats.network_figures(
        scope, stats.selection(scope), country="FR", section=lille.pk, semester="2026-spring"
    )
    assert filtered["totals"]["registered_incoming"] == figures.totals.registered_incoming == 20
    assert filtered["by_section"] == [
        {
            "id": lille.pk,
            "name": "ESN Lille",
            "city": "Lille",
            "country": "France",
            "totals": filtered["totals"],
        }
    ]
    assert filtered["nationality_count"] == 2
    assert filtered["top_nationalities"] == [
        {"country": "Spain", "students": 12},
        {"country": "Germany", "students": 8},
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [("country=DE", "country"), ("semester=1999-autumn", "semester"), ("section=1", "section")],
)
def test_a_filter_the_page_does_not_offer_is_a_400(national_fr, snapshots, query, field):
    response = national_fr.get(f"/api/v1/network/statistics/?{query}")
    assert response.status_code == 400 and field in response.json()["fields"]


def test_anyone_else_is_refused(db, public_client):
    assert public_client.get("/api/v1/network/sections/").status_code in (401, 403)
    nobody = User.objects.create_user("nobody@example.org", password="buddy-network-2026")
    client = Client(HTTP_HOST="localhost")
    client.force_login(nobody)
    for path in ("sections/", "statistics/"):
        response = client.get(f"/api/v1/network/{path}")
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_closing_and_reopening_a_portal_in_scope_with_its_audit(national_fr, lille, berlin):
    response = national_fr.post(
        f"/api/v1/network/sections/{lille.pk}/active/",
        {"active": False},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert Section.objects.get(pk=lille.pk).is_active is False
    actions = list(AdminEvent.objects.values_list("action", flat=True))
    assert actions == [SECTION_DEACTIVATED]
    national_fr.post(  # again: nothing more happens
        f"/api/v1/network/sections/{lille.pk}/active/",
        {"active": False},
        content_type="application/json",
    )
    assert AdminEvent.objects.count() == 1
    out_of_scope = national_fr.post(
        f"/api/v1/network/sections/{berlin.pk}/active/",
        {"active": False},
        content_type="application/json",
    )
    assert out_of_scope.status_code == 404 and Section.objects.get(pk=berlin.pk).is_active
    refused = national_fr.post(
        f"/api/v1/network/sections/{lille.pk}/active/", {}, content_type="application/json"
    )
    assert refused.status_code == 400 and list(refused.json()["fields"]) == ["active"]


def test_inviting_a_coordinator_once_with_the_email_and_audit(
    national_fr, lille, django_capture_on_commit_callbacks
):
    url = f"/api/v1/network/sections/{lille.pk}/coordinators/"
    body = {"email": "Second@Lille.example.org"}
    with django_capture_on_commit_callbacks(execute=True):
        response = national_fr.post(url, body, content_type="application/json")
    assert response.status_code == 201
    emails = [row["email"] for row in response.json()]
    assert emails == ["coordinator@lille.example.org", "second@lille.example.org"]
    with schema_context("lille"):
        invited = User.objects.get(email="second@lille.example.org")
        assert invited.is_coordinator and not invited.has_usable_password()
    assert [message.to for message in mail.outbox] == [["second@lille.example.org"]]
    assert AdminEvent.objects.filter(action=COORDINATOR_INVITED).count() == 1
    again = national_fr.post(url, body, content_type="application/json")
    assert again.status_code == 400 and "already has an account" in again.json()["message"]
    assert len(mail.outbox) == 1


def test_the_directory_lists_what_the_landing_page_lists(public_client, berlin):
    Section.objects.filter(pk=berlin.pk).update(is_active=False)
    body = public_client.get("/api/v1/sections/").json()
    listed = {row["slug"] for row in body["results"]}
    assert listed == set(active_sections().values_list("schema_name", flat=True))
    assert "berlin" not in listed
    page = public_client.get("/").text
    assert all(row["name"] in page for row in body["results"]) and "ESN Berlin" not in page


def test_semesters_come_in_time_not_in_alphabetical_order(national_fr, lille):
    """Spring 2026 (February to July) came before autumn 2026, though "autumn" < "spring"."""
    for semester in ("2026-autumn", "2025-autumn", "2026-spring"):
        SectionSnapshot.objects.create(
            section=lille, semester=semester, country="FR", taken_at=timezone.now()
        )
    in_time = ["2025-autumn", "2026-spring", "2026-autumn"]
    body = national_fr.get("/api/v1/network/statistics/").json()
    assert [row["semester"] for row in body["trend"]] == in_time
    history = national_fr.get(f"/api/v1/network/sections/{lille.pk}/").json()["history"]
    assert [row["semester"] for row in history] == in_time
    scope = scope_of(User.objects.get(email="fr@network.example.org"))
    offered = [code for code, _label in stats.selection(scope).semesters]
    assert offered == in_time[::-1]  # the filter: latest first
    csv_semesters = [
        line.split(",")[3]
        for line in stats.csv_rows(stats.snapshots_in_scope(scope)).splitlines()[1:]
    ]
    assert csv_semesters == in_time
