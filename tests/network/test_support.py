"""Support access: a European or the country's national admin opens a section's coordinator
pages read-only, with a reason, for a limited time; the section's audit log and dashboard
show it; every write is refused, over every coordinator URL of tests/section_urls.py."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from core.models import AuditEvent, SectionSettings
from network.models import SupportAccess
from section_urls import COORDINATOR, call, entry_for, section_routes

pytestmark = pytest.mark.django_db


def open_support(admin_client, section, reason="Their matching looks stuck", minutes=15):
    return admin_client.post(
        f"/network/sections/{section.pk}/support/", {"reason": reason, "minutes": minutes}
    )


def support_client(admin_client, section) -> Client:
    with schema_context(section.schema_name):
        SectionSettings.load()  # made at a coordinator's first visit; a read-only one cannot
    response = open_support(admin_client, section)
    assert response.status_code == 302
    link = response["Location"]
    assert link.startswith(f"https://{section.host}/coordinator/support/")
    client = Client(HTTP_HOST=section.host)
    client.cookies["django_language"] = "en"
    entered = client.get(link.removeprefix(f"https://{section.host}"))
    assert entered.status_code == 302 and entered["Location"] == "/coordinator/"
    return client


def test_a_reason_is_required_and_the_duration_is_bounded(fr_client, lille):
    assert open_support(fr_client, lille, reason=" ").status_code == 400
    assert open_support(fr_client, lille, minutes=600).status_code == 400
    assert not SupportAccess.objects.exists()


def test_the_access_is_in_the_sections_audit_log_and_on_its_dashboard(
    fr_client, lille, coordinator
):
    client = support_client(fr_client, lille)
    with schema_context("lille"):
        line = AuditEvent.objects.get(action="support_access_opened")
    assert line.details["reason"] == "Their matching looks stuck"
    assert line.details["admin"] == "fr@network.example.org"
    dashboard = coordinator.get("/coordinator/").content.decode()
    assert "A network admin is looking at your section" in dashboard
    assert "Their matching looks stuck" in dashboard
    assert client.get("/coordinator/students/").status_code == 200
    audit_page = coordinator.get("/coordinator/audit/").content.decode()
    assert "Read-only support access by a network admin" in audit_page


def test_the_access_ends_with_its_time_limit_and_when_ended(fr_client, lille):
    client = support_client(fr_client, lille)
    assert client.get("/coordinator/").status_code == 200
    SupportAccess.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/coordinator/").status_code == 302  # to the login page
    client = support_client(fr_client, lille)
    grant = SupportAccess.objects.latest("started_at")
    assert (
        fr_client.post(f"/network/sections/{lille.pk}/support/{grant.pk}/end/").status_code == 302
    )
    assert client.get("/coordinator/").status_code == 302


def test_a_link_works_on_its_own_section_only(fr_client, lille, paris):
    response = open_support(fr_client, lille)
    path = response["Location"].removeprefix(f"https://{lille.host}")
    assert Client(HTTP_HOST=paris.host).get(path).status_code == 403
    assert Client(HTTP_HOST=lille.host).get(path[:-3] + "xx/").status_code == 403


def test_a_national_admin_of_another_country_cannot_open_it(berlin, national_de, lille):
    from .conftest import client_of

    assert open_support(client_of(national_de), lille).status_code == 404
    assert not SupportAccess.objects.exists()


WRITES_WHEN_READ = {"events:export_attendees"}
COORDINATOR_ROUTES = [r for r in section_routes() if entry_for(r).who == COORDINATOR]


@pytest.mark.parametrize("route", COORDINATOR_ROUTES, ids=lambda r: r.name)
def test_every_coordinator_page_reads_and_no_write_goes_through(
    route, fr_client, lille, coordinator
):
    entry = entry_for(route)
    client = support_client(fr_client, lille)
    with schema_context("lille"):
        pk = entry.make().pk if entry.make else None
    if entry.method == "get":
        # The coordinators opened the page before (a page's settings row is made then: a
        # read-only visitor could not make it).
        call(coordinator, route, entry, pk)
    with schema_context("lille"):
        before = AuditEvent.objects.count()
    response = call(client, route, entry, pk)
    if entry.method == "get":
        # a page that writes when read (an export's audit line) is refused as a whole
        expected = 403 if route.name in WRITES_WHEN_READ else 200
        assert response.status_code == expected, route.name
    else:
        assert response.status_code == 403, route.name
    with schema_context("lille"):
        assert AuditEvent.objects.count() == before, route.name
