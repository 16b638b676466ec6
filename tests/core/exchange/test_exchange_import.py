"""CSV import of incoming students: the report line by line, the preview, the commit."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.exchange import importing, services, tasks
from core.exchange.models import ImportBatch, ImportedInvitation
from core.models import AuditEvent, PlaceOfStudy
from factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def codes(report) -> list[tuple]:
    return [(problem["line"], problem["column"], problem["code"]) for problem in report.errors]


# --- the rules, without HTTP ------------------------------------------------------------


def test_a_good_file_gives_clean_rows(lille, in_section, place, row, csv_bytes):
    content = csv_bytes(
        [
            row(1),
            row(2, email=" Mixed.Case@Example.org ", nationality="deu", home_university=""),
            ["", "", "", "", "", "", "", ""],  # blank lines are skipped
        ]
    )
    with in_section(lille):
        report = importing.parse(content)
    assert report.errors == []
    assert report.row_count == 2
    first, second = report.rows
    today = timezone.localdate()
    assert first == {
        "line": 2,
        "email": "incoming1@example.org",
        "first_name": "Ana",
        "last_name": "García 1",
        "nationality": "ES",
        "arrival_date": str(today + timedelta(days=30)),
        "departure_date": str(today + timedelta(days=150)),  # read from DD/MM/YYYY
        "place_of_study": place.pk,
        "place_of_study_name": "Université de Lille",
        "home_university": "Universidad de Granada",
        "language": "en",  # Spanish in a French section, no language in the file
    }
    assert (second["email"], second["nationality"], second["home_university"]) == (
        "mixed.case@example.org",
        "DE",
        "",
    )


@pytest.mark.parametrize(
    "header, missing, unexpected",
    [
        (["email", "first_name", "last_name"], "nationality", "—"),
        (["mail", *importing.HEADER[1:]], "email", "mail"),
        ([*importing.HEADER, "phone"], "—", "phone"),
    ],
)
def test_a_wrong_header_is_reported_and_nothing_is_read(
    lille, in_section, place, row, csv_bytes, header, missing, unexpected
):
    values = list(row(1).values())
    content = csv_bytes(
        [values[: len(header)] + ["x"] * (len(header) - len(values))], header=header
    )
    with in_section(lille):
        report = importing.parse(content)
    [problem] = report.errors
    assert (problem["line"], problem["code"]) == (1, "header")
    assert missing in problem["params"]["missing"]
    assert problem["params"]["unexpected"] == unexpected
    assert report.rows == []
    text = importing.message(problem)
    assert text.startswith("The first line must be exactly: email, first_name, last_name,")


def test_columns_in_another_order_are_reported(lille, in_section, place, row, csv_bytes):
    header = list(reversed(importing.HEADER))
    with in_section(lille):
        report = importing.parse(csv_bytes([row(1)], header=header))
    assert codes(report) == [(1, "", "header_order")]


def test_the_header_ignores_case_and_spaces(lille, in_section, place, row, csv_bytes):
    header = [f" {name.upper()} " for name in importing.HEADER]
    content = csv_bytes([list(row(1).values())], header=header)
    with in_section(lille):
        assert importing.parse(content).errors == []


def test_every_bad_value_is_reported_on_its_line(lille, in_section, place, row, csv_bytes):
    with in_section(lille):
        UserFactory(email="taken@example.org")
        content = csv_bytes(
            [
                row(1),  # line 2: fine
                row(2, arrival_date="2026-13-45"),  # line 3
                row(3, departure_date="next week"),  # line 4
                row(4, arrival_date="2026-03-10", departure_date="01/03/2026"),  # line 5
                row(1),  # line 6: same email as line 2
                row(5, email="Taken@example.org"),  # line 7: has an account
                row(6, place_of_study="Sorbonne"),  # line 8
                row(7, email="not-an-email"),  # line 9
                row(8, nationality="XX"),  # line 10
                row(9, first_name="", nationality=""),  # line 11
                ["a@example.org", "too", "few"],  # line 12
                row(10, last_name="x" * 151),  # line 13
            ]
        )
        report = importing.parse(content)
    assert codes(report) == [
        (3, "arrival_date", "date"),
        (4, "departure_date", "date"),
        (5, "departure_date", "departure_before_arrival"),
        (6, "email", "duplicate"),
        (7, "email", "registered"),
        (8, "place_of_study", "place"),
        (9, "email", "email"),
        (10, "nationality", "nationality"),
        (11, "first_name", "required"),
        (11, "nationality", "required"),
        (12, "", "cells"),
        (13, "last_name", "too_long"),
    ]
    assert report.row_count == 12
    assert report.rows == []  # nothing is kept from a file with problems
    words = {problem["line"]: importing.message(problem) for problem in report.errors}
    assert words[3] == "arrival_date “2026-13-45” is not a date: write YYYY-MM-DD or DD/MM/YYYY."
    assert words[5] == "The departure date must come after the arrival date."
    assert words[6] == "incoming1@example.org is also on line 2 of this file."
    assert words[7] == "taken@example.org already has an account in this section."
    assert words[8] == (
        "“Sorbonne” is not one of the section's places of study: Université de Lille."
    )
    assert words[9] == "“not-an-email” is not a valid email address."
    assert words[10] == "“XX” is not an ISO country code (such as FR, ES or DEU)."
    assert words[12] == ("This line has 3 values instead of 9: check the separators and quotes.")


def test_a_duplicate_is_found_even_on_a_line_with_other_problems(
    lille, in_section, place, row, csv_bytes
):
    content = csv_bytes([row(1), row(1, arrival_date="soon")])
    with in_section(lille):
        report = importing.parse(content)
    assert codes(report) == [(3, "arrival_date", "date"), (3, "email", "duplicate")]


def test_an_inactive_place_of_study_is_unknown(lille, in_section, place, row, csv_bytes):
    with in_section(lille):
        PlaceOfStudy.objects.create(name="Old campus", is_active=False)
        report = importing.parse(csv_bytes([row(1, place_of_study="Old campus")]))
    assert codes(report) == [(2, "place_of_study", "place")]


def test_an_email_with_a_pending_invitation_is_reported(lille, in_section, place, row, csv_bytes):
    with in_section(lille):
        batch = services.preview_import(None, csv_bytes([row(1)]))
        services.commit_import(None, batch.pk)
        report = importing.parse(csv_bytes([row(1)]))
    assert codes(report) == [(2, "email", "invited")]


@pytest.mark.parametrize(
    "content, code",
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (",".join(importing.HEADER).encode() + b"\n\n", "no_rows"),
        (b"PK\x03\x04\x14\x00\x06\x00", "not_text"),
    ],
)
def test_files_without_students_are_reported(lille, in_section, content, code):
    with in_section(lille):
        report = importing.parse(content)
    assert [problem["code"] for problem in report.errors] == [code]


def test_excel_files_are_read_semicolons_bom_and_windows_encoding(
    lille, in_section, place, row, csv_bytes
):
    with in_section(lille):
        semicolons = importing.parse(b"\xef\xbb\xbf" + csv_bytes([row(1)], delimiter=";"))
        windows = importing.parse(csv_bytes([row(2, first_name="Zoë")], encoding="cp1252"))
    assert semicolons.errors == [] and semicolons.rows[0]["email"] == "incoming1@example.org"
    assert windows.errors == [] and windows.rows[0]["first_name"] == "Zoë"


def test_quoted_values_spanning_lines_keep_the_right_line_numbers(
    lille, in_section, place, row, csv_bytes
):
    content = csv_bytes(
        [row(1, home_university="Universidad\nde Granada"), row(2, nationality="?")]
    )
    with in_section(lille):
        report = importing.parse(content)
    assert codes(report) == [(4, "nationality", "nationality")]


# --- pages ------------------------------------------------------------------------------


def test_a_refused_import_writes_nothing(
    lille, in_section, client_for, place, row, csv_bytes, upload
):
    with in_section(lille):
        student = ProfileFactory()
        batch = services.preview_import(None, csv_bytes([row(1)]))
    anonymous, as_student = client_for(lille), client_for(lille, student.user)
    as_student.post("/coordinator/import/", {"file": upload(csv_bytes([row(2)]))})
    commit = f"/coordinator/import/{batch.pk}/commit/"
    as_student.post(commit)
    anonymous.post(commit)
    with in_section(lille):
        assert ImportBatch.objects.count() == 1
        assert not ImportedInvitation.objects.exists()


def test_lille_commits_nothing_of_paris(lille, paris, in_section, coordinator, row, csv_bytes):
    with in_section(paris):
        PlaceOfStudy.objects.create(name="Université de Lille")
        paris_batch = services.preview_import(None, csv_bytes([row(1)]))
    with in_section(lille):
        ImportBatch.objects.filter(pk=paris_batch.pk).delete()
    coordinator.post(f"/coordinator/import/{paris_batch.pk}/commit/")
    with in_section(paris):
        assert ImportBatch.objects.get(pk=paris_batch.pk).status == "previewed"
        assert not ImportedInvitation.objects.exists()


def test_upload_preview_commit_from_the_pages(
    lille, in_section, coordinator, place, row, csv_bytes, upload,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    response = coordinator.post(
        "/coordinator/import/", {"file": upload(csv_bytes([row(n) for n in range(3)]))}
    )
    with in_section(lille):
        batch = ImportBatch.objects.get()
    assert response["Location"] == f"/coordinator/import/{batch.pk}/"
    page = coordinator.get(response["Location"]).content.decode()
    assert "No problems: 3 students are ready to be imported and invited." in page
    assert "Import before " in page
    assert "incoming2@example.org" in page
    assert f'action="/coordinator/import/{batch.pk}/commit/"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(f"/coordinator/import/{batch.pk}/commit/")
    assert response["Location"] == f"/coordinator/import/{batch.pk}/"
    page = coordinator.get(response["Location"]).content.decode()
    assert "3 students imported: their invitations are on their way." in page
    assert "3 students invited." in page
    assert "commit/" not in page
    assert sorted(message.to[0] for message in mail.outbox) == [
        f"incoming{n}@example.org" for n in range(3)
    ]
    with in_section(lille):
        batch.refresh_from_db()
        assert batch.status == "committed" and batch.rows == []  # the invitations hold them
        assert ImportedInvitation.objects.count() == 3
        [event] = AuditEvent.objects.filter(action="students_imported")
    assert event.details == {"batch": batch.pk, "rows": 3}
    listing = coordinator.get("/coordinator/import/").content.decode()
    assert "email, first_name" not in listing  # the header is shown as the file has it
    assert "email,first_name,last_name,nationality" in listing
    assert "Imported" in listing


def test_the_preview_reports_each_problem_and_offers_no_commit(
    lille, in_section, coordinator, place, row, csv_bytes, upload
):
    content = csv_bytes([row(1), row(2, arrival_date="31/02/2026"), row(3, place_of_study="X")])
    response = coordinator.post("/coordinator/import/", {"file": upload(content)}, follow=True)
    page = response.content.decode()
    assert "2 problems: nothing can be imported until they are fixed." in page
    assert "<strong>Line 3</strong> · <code>arrival_date</code>" in page
    assert "“31/02/2026” is not a date" in page
    assert "<strong>Line 4</strong> · <code>place_of_study</code>" in page
    assert "commit/" not in page
    listing = coordinator.get("/coordinator/import/").content.decode()
    assert "Previewed · with errors" in listing


def test_one_bad_row_among_many_imports_nothing(
    lille, in_section, coordinator, place, row, csv_bytes, upload,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    rows = [row(n) for n in range(200)]
    rows[137] = row(137, departure_date="2020-01-01")
    coordinator.post("/coordinator/import/", {"file": upload(csv_bytes(rows))})
    with in_section(lille):
        batch = ImportBatch.objects.get()
    assert batch.row_count == 200
    assert codes(batch) == [(139, "departure_date", "departure_before_arrival")]
    # committing anyway (a forged POST) does nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(f"/coordinator/import/{batch.pk}/commit/", follow=True)
    assert "Nothing was imported: the file has errors." in response.content.decode()
    with in_section(lille):
        assert not ImportedInvitation.objects.exists()
        assert ImportBatch.objects.get().status == "previewed"
        assert not AuditEvent.objects.filter(action="students_imported").exists()
    assert mail.outbox == []


def test_a_failure_during_the_commit_leaves_nothing_behind(
    lille, in_section, coordinator_user, place, row, csv_bytes, monkeypatch
):
    with in_section(lille):
        batch = services.preview_import(coordinator_user, csv_bytes([row(n) for n in range(5)]))

        def broken_audit(*args, **kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr(services.audit, "record", broken_audit)
        with pytest.raises(RuntimeError):
            services.commit_import(coordinator_user, batch.pk)
        assert not ImportedInvitation.objects.exists()
        batch.refresh_from_db()
        assert batch.status == "previewed" and len(batch.rows) == 5


def test_re_posting_a_committed_batch_does_nothing(
    lille, in_section, coordinator, place, row, csv_bytes, upload,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    coordinator.post("/coordinator/import/", {"file": upload(csv_bytes([row(1), row(2)]))})
    with in_section(lille):
        batch = ImportBatch.objects.get()
    commit = f"/coordinator/import/{batch.pk}/commit/"
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(commit, follow=True)
    assert "This file was already imported; nothing was done again." in response.content.decode()
    assert len(mail.outbox) == 2
    with in_section(lille):
        assert ImportedInvitation.objects.count() == 2
        assert AuditEvent.objects.filter(action="students_imported").count() == 1
        assert services.commit_import(None, batch.pk) == services.Outcome.ALREADY_IMPORTED
        assert ImportedInvitation.objects.count() == 2


def test_an_expired_preview_cannot_be_committed(
    lille, in_section, coordinator, place, row, csv_bytes
):
    with in_section(lille):
        batch = services.preview_import(None, csv_bytes([row(1)]))
        ImportBatch.objects.filter(pk=batch.pk).update(expires_at=timezone.now())
    page = coordinator.get(f"/coordinator/import/{batch.pk}/").content.decode()
    assert "This preview has expired." in page and "commit/" not in page
    response = coordinator.post(f"/coordinator/import/{batch.pk}/commit/", follow=True)
    assert "This preview has expired. Upload the file again." in response.content.decode()
    with in_section(lille):
        assert not ImportedInvitation.objects.exists()


def test_rows_that_became_invalid_since_the_preview_stop_the_commit(
    lille, in_section, coordinator, place, row, csv_bytes
):
    with in_section(lille):
        batch = services.preview_import(None, csv_bytes([row(1), row(2), row(3)]))
        UserFactory(email="incoming2@example.org")  # registered meanwhile
    response = coordinator.post(f"/coordinator/import/{batch.pk}/commit/", follow=True)
    page = response.content.decode()
    assert "Some rows are no longer valid since the preview: nothing was imported." in page
    assert "incoming2@example.org already has an account in this section." in page
    with in_section(lille):
        assert not ImportedInvitation.objects.exists()
        batch.refresh_from_db()
    assert codes(batch) == [(3, "email", "registered")]


def test_a_place_of_study_deactivated_since_the_preview_stops_the_commit(
    lille, in_section, coordinator_user, place, row, csv_bytes
):
    with in_section(lille):
        batch = services.preview_import(coordinator_user, csv_bytes([row(1)]))
        PlaceOfStudy.objects.filter(pk=place.pk).update(is_active=False)
        assert services.commit_import(coordinator_user, batch.pk) == services.Outcome.CHANGED
        assert not ImportedInvitation.objects.exists()
        batch.refresh_from_db()
    assert codes(batch) == [(2, "place_of_study", "place")]
    assert importing.message(batch.errors[0]).startswith("“Université de Lille” is not one")


@pytest.mark.parametrize(
    "name, content_type, content, error",
    [
        ("students.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         b"PK\x03\x04", "Upload a .csv file."),
        ("photo.csv", "image/png", b"\x89PNG\r\n", "Upload a .csv file."),
        ("students.csv", "text/csv", b"PK\x03\x04\x00\x00", "This file is not text."),
        ("students.csv", "text/csv", b"x" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
    ],
)  # fmt: skip
def test_uploads_that_are_no_csv_or_too_large_are_refused(
    lille, in_section, coordinator, upload, name, content_type, content, error
):
    response = coordinator.post(
        "/coordinator/import/", {"file": upload(content, name=name, content_type=content_type)}
    )
    assert response.status_code == 200
    assert error in str(response.context["form"].errors["file"])
    with in_section(lille):
        assert not ImportBatch.objects.exists()


def test_an_upload_without_a_file_is_a_form_error(lille, in_section, coordinator):
    response = coordinator.post("/coordinator/import/", {})
    assert response.context["form"].errors["file"] == ["This field is required."]
    with in_section(lille):
        assert not ImportBatch.objects.exists()


def test_purge_forgets_expired_previews_and_expired_invitations(
    lille, in_section, place, row, csv_bytes
):
    with in_section(lille):
        old_preview = services.preview_import(None, csv_bytes([row(1)]))
        fresh_preview = services.preview_import(None, csv_bytes([row(2)]))
        committed = services.preview_import(None, csv_bytes([row(3), row(4)]))
        services.commit_import(None, committed.pk)
        ImportBatch.objects.filter(pk__in=[old_preview.pk, committed.pk]).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        old, recent = ImportedInvitation.objects.order_by("pk")
        ImportedInvitation.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - timedelta(days=31)
        )
        assert services.purge_import_data() == {"previews": 1, "invitations": 1}
        assert set(ImportBatch.objects.values_list("pk", flat=True)) == {
            fresh_preview.pk,
            committed.pk,
        }
        assert list(ImportedInvitation.objects.values_list("pk", flat=True)) == [recent.pk]
        # the periodic task the beat runs in every section
        assert tasks.purge_import_data() == {"previews": 0, "invitations": 0}


def test_a_file_without_the_language_column_is_read_as_before(
    lille, in_section, place, row, csv_bytes
):
    content = csv_bytes([row(1, nationality="FR")], header=importing.HEADER_WITHOUT_LANGUAGE)
    with in_section(lille):
        report = importing.parse(content)
    assert report.errors == []
    assert report.rows[0]["language"] == "fr"  # Lille speaks French to a French student


@pytest.mark.parametrize("value", ["de", "english", "٣", "x" * 40])
def test_a_language_the_platform_does_not_speak_is_reported(
    lille, in_section, place, row, csv_bytes, value
):
    with in_section(lille):
        report = importing.parse(csv_bytes([row(1, language=value)]))
    assert report.rows == []
    assert [(error["line"], error["column"]) for error in report.errors] == [(2, "language")]
    assert importing.message(report.errors[0]).endswith(
        "is not a language of the platform: en, fr."
    )
