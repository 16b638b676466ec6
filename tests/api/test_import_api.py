"""The import API: a university's script uploads its CSV, reads the problems, commits once."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from api_clients import token_client
from core.exchange import services
from core.exchange.emails import IMPORT_INVITATION_EMAIL
from core.exchange.importing import HEADER
from core.exchange.models import ImportBatch, ImportedInvitation
from core.models import AuditEvent
from core.outbox.models import OutboxMessage
from factories import PlaceOfStudyFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def row(n: int, **overrides) -> dict:
    today = timezone.localdate()
    values = {
        "email": f"incoming{n}@example.org",
        "first_name": "Ana",
        "last_name": f"García {n}",
        "nationality": "ES",
        "arrival_date": str(today + timedelta(days=30)),
        "departure_date": str(today + timedelta(days=150)),
        "place_of_study": "Université de Lille",
        "home_university": "Universidad de Granada",
        "language": "",
    }
    return {**values, **overrides}


def csv_file(rows: list[dict], name: str = "incoming.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for values in rows:
        writer.writerow([values[column] for column in HEADER])
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


@pytest.fixture
def place(lille, in_section):
    with in_section(lille):
        return PlaceOfStudyFactory(name="Université de Lille")


def upload(client, rows: list[dict]):
    return client.post("/api/v1/imports/", {"file": csv_file(rows)})


def invitation_emails(lille, in_section) -> int:
    with in_section(lille):
        return OutboxMessage.objects.filter(name=IMPORT_INVITATION_EMAIL).count()


def test_a_clean_file_becomes_a_preview_and_nothing_is_sent_yet(
    lille, coordinator, place, in_section
):
    response = upload(coordinator, [row(1), row(2, email=" Mixed@Example.org ")])
    assert response.status_code == 201, response.content
    batch = response.json()
    assert batch["status"] == "previewed"
    assert batch["can_commit"] is True
    assert batch["row_count"] == 2
    assert batch["problems"] == []
    assert [r["email"] for r in batch["rows"]] == ["incoming1@example.org", "mixed@example.org"]
    assert batch["rows"][0]["place_of_study"] == place.pk
    assert batch["rows"][0]["line"] == 2
    with in_section(lille):
        assert ImportBatch.objects.get().pk == batch["id"]
        assert not ImportedInvitation.objects.exists()
    assert invitation_emails(lille, in_section) == 0
    detail = coordinator.get(f"/api/v1/imports/{batch['id']}/").json()
    assert detail["rows"] == batch["rows"]
    listed = coordinator.get("/api/v1/imports/").json()["results"]
    assert [(b["id"], b["has_errors"]) for b in listed] == [(batch["id"], False)]


def test_a_bad_row_refuses_the_whole_file_with_every_problem_by_line(
    lille, coordinator, place, in_section
):
    with in_section(lille):
        ProfileFactory(user__email="known@example.org")
    rows = [
        row(1),
        row(2, email="not-an-email"),
        row(3, place_of_study="Sorbonne", arrival_date="31/02/2026"),
        row(4, email="known@example.org"),
        row(5, email="incoming1@example.org"),
    ]
    response = upload(coordinator, rows)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"]["file"] == ["5 problems: nothing can be imported until they are fixed."]
    found = [(p["line"], p["column"], p["code"]) for p in body["fields"]["rows"]]
    assert found == [
        (3, "email", "email"),
        (4, "arrival_date", "date"),
        (4, "place_of_study", "place"),
        (5, "email", "registered"),
        (6, "email", "duplicate"),
    ]
    messages = {p["code"]: p["message"] for p in body["fields"]["rows"]}
    assert messages["email"] == "“not-an-email” is not a valid email address."
    assert "Université de Lille" in messages["place"]  # the places the section knows
    with in_section(lille):
        # all or nothing: neither the good row nor the refused file's rows are kept
        assert not ImportBatch.objects.exists()
        assert not ImportedInvitation.objects.exists()
    assert invitation_emails(lille, in_section) == 0


def test_a_file_that_is_no_csv_or_no_file_is_a_400_naming_the_file(coordinator, place):
    image = SimpleUploadedFile("photo.png", b"\x89PNG\x00\x00", content_type="image/png")
    refused = coordinator.post("/api/v1/imports/", {"file": image})
    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["file"]
    missing = coordinator.post("/api/v1/imports/", {})
    assert missing.status_code == 400
    assert list(missing.json()["fields"]) == ["file"]
    header_only = coordinator.post(
        "/api/v1/imports/", {"file": SimpleUploadedFile("x.csv", b"email,name\n")}
    )
    assert header_only.status_code == 400
    assert header_only.json()["fields"]["rows"][0]["code"] == "header"


def test_the_commit_invites_every_row_once_even_when_retried(
    lille, coordinator, coordinator_user, place, in_section
):
    batch = upload(coordinator, [row(1), row(2), row(3)]).json()
    url = f"/api/v1/imports/{batch['id']}/commit/"
    first = coordinator.post(url, HTTP_IDEMPOTENCY_KEY="roster-2026-1")
    again = coordinator.post(url, HTTP_IDEMPOTENCY_KEY="roster-2026-1")
    assert first.status_code == again.status_code == 200, first.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    body = first.json()
    assert body["outcome"] == "imported"
    assert body["batch"]["status"] == "committed"
    assert body["batch"]["rows"] == []  # the invitations hold them now
    with in_section(lille):
        invited = sorted(ImportedInvitation.objects.values_list("email", flat=True))
        assert invited == [f"incoming{n}@example.org" for n in (1, 2, 3)]
        assert AuditEvent.objects.filter(action=services.IMPORTED).count() == 1
    assert invitation_emails(lille, in_section) == 3
    # without a key, a second commit does nothing either, and says so
    later = coordinator.post(url)
    assert later.status_code == 200
    assert later.json()["outcome"] == "already_imported"
    assert invitation_emails(lille, in_section) == 3


def test_a_row_that_became_invalid_since_the_preview_stops_the_commit(
    lille, coordinator, place, in_section
):
    batch = upload(coordinator, [row(1), row(2)]).json()
    with in_section(lille):
        ProfileFactory(user__email="incoming2@example.org")  # registered meanwhile
    response = coordinator.post(f"/api/v1/imports/{batch['id']}/commit/")
    assert response.status_code == 400
    rows = response.json()["fields"]["rows"]
    assert [(p["line"], p["code"]) for p in rows] == [(3, "registered")]
    with in_section(lille):
        assert not ImportedInvitation.objects.exists()
    assert invitation_emails(lille, in_section) == 0


def test_an_expired_preview_is_not_imported(lille, coordinator, place, in_section):
    batch = upload(coordinator, [row(1)]).json()
    with in_section(lille):
        ImportBatch.objects.filter(pk=batch["id"]).update(expires_at=timezone.now())
    response = coordinator.post(f"/api/v1/imports/{batch['id']}/commit/")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "batch": ["This preview has expired. Upload the file again."]
    }
    with in_section(lille):
        assert not ImportedInvitation.objects.exists()


def test_a_script_with_a_token_uploads_and_commits(lille, coordinator_user, place, in_section):
    script = token_client(lille, coordinator_user)
    batch = upload(script, [row(1)]).json()
    assert script.post(f"/api/v1/imports/{batch['id']}/commit/").json()["outcome"] == "imported"
    reader = token_client(lille, coordinator_user, scope="read")
    assert upload(reader, [row(2)]).status_code == 403
    assert invitation_emails(lille, in_section) == 1
