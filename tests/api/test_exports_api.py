"""The export API: the export page's CSV files and audit line, this section's rows only."""

import csv
import io

import pytest
from django.utils import timezone

from api_clients import token_client
from core.models import AuditEvent
from factories import ProfileFactory
from matching.exports.services import EXPORTED
from matching.models import Pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(lille, paris, in_section):
    with in_section(lille):
        ana = ProfileFactory(
            user__first_name="=Ana", user__last_name="García", user__email="ana@example.org"
        )
        lucas = ProfileFactory(buddy=True, user__email="lucas@example.org")
        olga = ProfileFactory(user__email="olga@example.org", status="withdrawn")
        pair = Pair.objects.create(incoming=ana, buddy=lucas, confirmed_at=timezone.now())
        ended = Pair.objects.create(
            incoming=olga, buddy=lucas, confirmed_at=timezone.now(), ended_at=timezone.now()
        )
    with in_section(paris):
        ProfileFactory(user__email="paris-student@example.org")
    return {"ana": ana, "lucas": lucas, "olga": olga, "pair": pair, "ended": ended}


def download(client, kind: str, body: dict) -> tuple[str, list[list[str]]]:
    response = client.post(f"/api/v1/exports/{kind}/", body, content_type="application/json")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{kind}-lille-')
    raw = b"".join(response.streaming_content).decode()
    delimiter = body.get("separator", ",")
    return raw, list(csv.reader(io.StringIO(raw.removeprefix("\ufeff")), delimiter=delimiter))


def test_students_are_the_pages_file_with_its_audit_line(
    lille, coordinator, coordinator_user, people, in_section
):
    raw, rows = download(
        coordinator, "students", {"columns": ["role", "email", "first_name"], "role": "incoming"}
    )
    assert raw.startswith("\ufeff")
    header, *students = rows
    assert header == ["First name", "Email", "Role"]  # the list's order, not the body's
    assert sorted(row[1] for row in students) == ["ana@example.org", "olga@example.org"]
    assert ["'=Ana", "ana@example.org", "Incoming international student"] in students
    assert "paris-student@example.org" not in raw
    with in_section(lille):
        audit = AuditEvent.objects.get(action=EXPORTED)
    assert audit.actor == coordinator_user
    assert audit.details == {
        "kind": "students",
        "columns": ["first_name", "email", "role"],
        "rows": 2,
        "filters": {"role": "incoming", "status": ""},
    }


def test_left_out_fields_are_what_the_page_fills_in(coordinator, people):
    _raw, rows = download(coordinator, "students", {})
    assert len(rows[0]) == 18  # every column
    assert len(rows) == 4
    _raw, pairs = download(coordinator, "pairs", {"separator": ";"})
    header, *current = pairs
    assert header[:2] == ["Incoming student", "Incoming student's email"]
    assert [row[1] for row in current] == ["ana@example.org"]  # current pairs only
    _raw, every = download(coordinator, "pairs", {"state": "", "columns": ["buddy_email"]})
    assert every == [["Buddy's email"], ["lucas@example.org"], ["lucas@example.org"]]


def test_a_bad_choice_is_a_400_and_no_audit_line(lille, coordinator, people, in_section):
    response = coordinator.post(
        "/api/v1/exports/students/",
        {"columns": ["email", "password"], "separator": "|", "status": "gone"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"columns", "separator", "status"}
    with in_section(lille):
        assert not AuditEvent.objects.filter(action=EXPORTED).exists()


def test_a_script_exports_with_a_read_write_token_not_a_read_one(lille, coordinator_user, people):
    _raw, rows = download(token_client(lille, coordinator_user), "pairs", {})
    assert len(rows) == 2
    refused = token_client(lille, coordinator_user, scope="read").post(
        "/api/v1/exports/pairs/", {}, content_type="application/json"
    )
    assert refused.status_code == 403  # an export is a POST, as on the page


def test_what_the_api_renders_itself_on_a_csv_endpoint_is_json(coordinator, people):
    """A refusal or an OPTIONS answer, whatever the client asked for (found by schemathesis)."""
    refused = coordinator.post(
        "/api/v1/exports/pairs/?format=csv",
        {"state": "old"},
        content_type="application/json",
        HTTP_ACCEPT="text/csv",
    )
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"state": [refused.json()["fields"]["state"][0]]}
    options = coordinator.options("/api/v1/exports/students/?format=csv", HTTP_ACCEPT="text/csv")
    assert options.status_code == 200
    assert options["Content-Type"] == "application/json"
    _raw, rows = download(coordinator, "pairs", {})  # a CSV asked for as such still comes
    assert len(rows) == 2
