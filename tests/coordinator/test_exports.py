"""CSV exports of students and pairs: columns, filters, content, audit, permissions."""

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEvent
from factories import ProfileFactory
from matching.models import Pair

pytestmark = pytest.mark.django_db

ALL_STUDENT_COLUMNS = [
    "first_name", "last_name", "email", "role", "status", "verified", "nationality",
    "place_of_study", "faculty", "study_level", "languages", "arrival_date", "departure_date",
    "available_from", "available_until", "capacity", "registered_at", "matched",
]  # fmt: skip


def download(client: Client, kind: str, **data) -> tuple[str, list[list[str]]]:
    """POST an export; the raw text (BOM included) and the rows read back with csv."""
    response = client.post(
        f"/coordinator/export/{kind}/", {f"{kind}-{key}": value for key, value in data.items()}
    )
    assert response.status_code == 200, response.content[:500]
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{kind}-lille-')
    raw = b"".join(response.streaming_content).decode("utf-8")
    delimiter = data.get("separator", ",")
    return raw, list(csv.reader(io.StringIO(raw.removeprefix("\ufeff")), delimiter=delimiter))


@pytest.fixture
def people(lille, in_section):
    with in_section(lille):
        ana = ProfileFactory(
            user__first_name="Ana",
            user__last_name="García",
            user__email="ana@example.org",
            languages=["es", "en"],
        )
        lucas = ProfileFactory(
            buddy=True,
            user__first_name="Lucas",
            user__last_name="Martin",
            user__email="lucas@example.org",
            languages=["fr"],
        )
        olga = ProfileFactory(
            user__first_name="Olga",
            user__last_name="Ivanova",
            user__email="olga@example.org",
            nationality="UA",
            email_verified_at=None,
            status="withdrawn",
        )
        pair = Pair.objects.create(incoming=ana, buddy=lucas, confirmed_at=timezone.now(), score=87)
        return {"ana": ana, "lucas": lucas, "olga": olga, "pair": pair}


# --- permissions ------------------------------------------------------------------------


def test_a_download_is_a_post_and_a_refused_one_is_not_audited(
    people, coordinator, lille, client_for, in_section
):
    student = client_for(lille, people["ana"].user)
    for kind in ("students", "pairs"):
        data = {f"{kind}-columns": "email", f"{kind}-separator": ","}
        student.post(f"/coordinator/export/{kind}/", data)
        client_for(lille).post(f"/coordinator/export/{kind}/", data)
        # a download is a POST: a link cannot trigger it
        assert coordinator.get(f"/coordinator/export/{kind}/").status_code == 405
    with in_section(lille):
        assert not AuditEvent.objects.filter(action="csv_exported").exists()


def test_a_lille_coordinator_exports_nothing_of_paris(coordinator, paris, people, in_section):
    with in_section(paris):
        ProfileFactory(user__email="paris-student@example.org")
    on_paris = Client(HTTP_HOST=paris.host)
    on_paris.cookies["sessionid"] = coordinator.cookies["sessionid"].value
    response = on_paris.post(
        "/coordinator/export/students/",
        {"students-columns": "email", "students-separator": ","},
    )
    assert response["Location"].startswith("/accounts/login/")
    raw, _rows = download(coordinator, "students", columns="email", separator=",")
    assert "paris-student@example.org" not in raw
    assert "ana@example.org" in raw


# --- content ----------------------------------------------------------------------------


def test_students_export_every_column_with_a_bom_for_excel(coordinator, people):
    raw, rows = download(coordinator, "students", columns=ALL_STUDENT_COLUMNS, separator=",")
    assert raw.startswith("\ufeff")
    header, *students = rows
    assert header == [
        "First name", "Last name", "Email", "Role", "Status", "Email verified", "Nationality",
        "Place of study", "Faculty", "Study level", "Languages", "Arrival", "Departure",
        "Available from", "Available until", "Capacity", "Registered at", "Matched",
    ]  # fmt: skip
    by_email = {student[2]: dict(zip(header, student, strict=True)) for student in students}
    assert set(by_email) == {"ana@example.org", "lucas@example.org", "olga@example.org"}
    ana, lucas, olga = (by_email[f"{name}@example.org"] for name in ("ana", "lucas", "olga"))
    profile = people["ana"]
    assert ana == {
        "First name": "Ana",
        "Last name": "García",
        "Email": "ana@example.org",
        "Role": "Incoming international student",
        "Status": "Taking part",
        "Email verified": "yes",
        "Nationality": "ES",
        "Place of study": "Université de Lille",
        "Faculty": "Law",
        "Study level": "Master",
        "Languages": "Spanish (Fluent), English (Fluent)",
        "Arrival": profile.arrival_date.isoformat(),
        "Departure": profile.departure_date.isoformat(),
        "Available from": "",
        "Available until": "",
        "Capacity": "",
        "Registered at": timezone.localtime(profile.created_at).strftime("%Y-%m-%d %H:%M"),
        "Matched": "yes",
    }
    assert (lucas["Role"], lucas["Capacity"], lucas["Arrival"], lucas["Matched"]) == (
        "Local buddy",
        "2",
        "",
        "yes",
    )
    assert lucas["Available until"] == people["lucas"].available_until.isoformat()
    assert (olga["Email verified"], olga["Status"], olga["Matched"]) == ("no", "Withdrawn", "no")


def test_only_the_chosen_columns_in_the_lists_order(coordinator, people):
    # sent in another order: the file keeps the list's order
    _raw, rows = download(
        coordinator, "students", columns=["matched", "email", "first_name"], separator=","
    )
    assert rows[0] == ["First name", "Email", "Matched"]
    assert ["Ana", "ana@example.org", "yes"] in rows
    assert all(len(row) == 3 for row in rows)


def test_filters_by_role_and_status(coordinator, people):
    _raw, rows = download(coordinator, "students", columns="email", role="buddy", separator=",")
    assert rows == [["Email"], ["lucas@example.org"]]
    _raw, rows = download(
        coordinator, "students", columns="email", role="incoming", status="withdrawn",
        separator=",",
    )  # fmt: skip
    assert rows == [["Email"], ["olga@example.org"]]
    _raw, rows = download(coordinator, "students", columns="email", status="active", separator=",")
    assert sorted(rows[1:]) == [["ana@example.org"], ["lucas@example.org"]]


def test_semicolons_for_excel_in_french(coordinator, people):
    raw, rows = download(coordinator, "students", columns=["first_name", "email"], separator=";")
    assert "First name;Email" in raw
    assert ["Ana", "ana@example.org"] in rows


def test_the_page_offers_semicolons_to_french_speakers(lille, coordinator_user, client_for):
    french = client_for(lille, coordinator_user, language="fr")
    assert french.get("/coordinator/export/").context["students"]["separator"].value() == ";"


def test_a_cell_that_would_be_a_spreadsheet_formula_is_defused(coordinator, lille, in_section):
    with in_section(lille):
        ProfileFactory(user__first_name='=HYPERLINK("http://evil")', user__last_name="+1-2")
    _raw, rows = download(
        coordinator, "students", columns=["first_name", "last_name"], separator=","
    )
    assert ['\'=HYPERLINK("http://evil")', "'+1-2"] in rows


def test_pairs_export(coordinator, people, lille, in_section):
    with in_section(lille):
        Pair.objects.create(
            incoming=people["olga"],
            buddy=people["lucas"],
            confirmed_at=timezone.now(),
            ended_at=timezone.now(),
        )
    _raw, rows = download(
        coordinator,
        "pairs",
        columns=["incoming_name", "incoming_email", "buddy_name", "buddy_email", "confirmed_at",
                 "ended_at", "score"],
        state="",
        separator=",",
    )  # fmt: skip
    header, *pairs = rows
    assert header == [
        "Incoming student", "Incoming student's email", "Buddy", "Buddy's email",
        "Confirmed at", "Ended at", "Score",
    ]  # fmt: skip
    confirmed = timezone.localtime(people["pair"].confirmed_at).strftime("%Y-%m-%d %H:%M")
    assert pairs[0] == [
        "Ana García", "ana@example.org", "Lucas Martin", "lucas@example.org", confirmed, "", "87",
    ]  # fmt: skip
    assert pairs[1][0] == "Olga Ivanova" and pairs[1][5] != "" and pairs[1][6] == ""
    _raw, rows = download(coordinator, "pairs", columns=["incoming_email"], state="active",
                          separator=",")  # fmt: skip
    assert rows == [["Incoming student's email"], ["ana@example.org"]]
    _raw, rows = download(coordinator, "pairs", columns=["incoming_email"], state="ended",
                          separator=",")  # fmt: skip
    assert rows == [["Incoming student's email"], ["olga@example.org"]]


def test_a_pair_whose_student_was_erased_exports_blanks(coordinator, people, lille, in_section):
    with in_section(lille):
        people["ana"].user.delete()
    _raw, rows = download(coordinator, "pairs", columns=["incoming_name", "buddy_name"],
                          state="", separator=",")  # fmt: skip
    assert rows[1] == ["", "Lucas Martin"]


def test_each_export_is_audited_without_personal_data(coordinator, people, lille, in_section):
    download(coordinator, "students", columns=["email", "matched"], role="incoming", separator=",")
    download(coordinator, "pairs", columns=["buddy_email"], state="active", separator=",")
    with in_section(lille):
        students, pairs = AuditEvent.objects.filter(action="csv_exported").order_by("at", "pk")
        coordinator_id = students.actor_id
        assert students.actor.is_coordinator
    assert students.details == {
        "kind": "students",
        "columns": ["email", "matched"],
        "rows": 2,
        "filters": {"role": "incoming", "status": ""},
    }
    assert pairs.details == {
        "kind": "pairs",
        "columns": ["buddy_email"],
        "rows": 1,
        "filters": {"state": "active"},
    }
    assert pairs.actor_id == coordinator_id
    assert "example.org" not in str(students.details) + str(pairs.details)


def test_bad_choices_show_form_errors_and_export_nothing(coordinator, people, lille, in_section):
    response = coordinator.post(
        "/coordinator/export/students/",
        {"students-role": "admin", "students-separator": "|"},
    )
    assert response.status_code == 200
    form = response.context["students"]
    assert set(form.errors) == {"role", "columns", "separator"}
    assert "Please correct the fields marked below." in response.content.decode()
    response = coordinator.post(
        "/coordinator/export/pairs/", {"pairs-columns": "password", "pairs-separator": ","}
    )
    assert set(response.context["pairs"].errors) == {"columns"}
    with in_section(lille):
        assert not AuditEvent.objects.filter(action="csv_exported").exists()


def test_the_export_reads_a_constant_number_of_queries(coordinator, lille, in_section):
    def queries_for_export() -> int:
        with CaptureQueriesContext(connection) as queries:
            download(coordinator, "students", columns=ALL_STUDENT_COLUMNS, separator=",")
        return len(queries)

    with in_section(lille):
        for _ in range(3):
            ProfileFactory()
    queries_for_export()  # the first request looks the host up and caches it
    few = queries_for_export()
    with in_section(lille):
        for _ in range(30):
            ProfileFactory(buddy=True)
    assert queries_for_export() == few


def test_the_menu_leads_to_import_and_export(coordinator):
    page = coordinator.get("/coordinator/export/").content.decode()
    assert 'href="/coordinator/export/"' in page and 'href="/coordinator/import/"' in page
