"""Reading the international office's CSV of incoming students, row by row.

`parse` never raises on bad content: every problem becomes an entry of the report, with its
line in the file, so that the coordinator can fix the file and upload it again.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.accounts.models import User, normalise_email
from core.exchange.models import INVITATION_VALID_FOR, ImportedInvitation
from core.models import PlaceOfStudy
from core.names import plain_name
from tenants.selectors import current_section

HEADER = (
    "email",
    "first_name",
    "last_name",
    "nationality",
    "arrival_date",
    "departure_date",
    "place_of_study",
    "home_university",
    "language",
)
# Files made before the language column was added are read as they were.
HEADER_WITHOUT_LANGUAGE = HEADER[:-1]
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
NAME_COLUMNS = ("first_name", "last_name")
MAX_LENGTHS = {"email": 254, "first_name": 150, "last_name": 150, "home_university": 150}
OPTIONAL = {"home_university", "language"}

MESSAGES = {
    "not_text": _(
        "This file is not a CSV text file. In your spreadsheet, use “Save as” and choose CSV."
    ),
    "csv": _("The file cannot be read as CSV here: %(detail)s."),
    "empty": _("The file is empty."),
    "header": _(
        "The first line must be exactly: %(expected)s. Missing: %(missing)s. "
        "Not expected: %(unexpected)s."
    ),
    "header_order": _("The first line must list the columns in this order: %(expected)s."),
    "no_rows": _("The file has a header line but no students."),
    "cells": _(
        "This line has %(found)s values instead of %(expected)s: check the separators and quotes."
    ),
    "required": _("%(name)s is empty."),
    "too_long": _("%(name)s is longer than %(max)s characters."),
    "email": _("“%(value)s” is not a valid email address."),
    "nationality": _("“%(value)s” is not an ISO country code (such as FR, ES or DEU)."),
    "date": _("%(name)s “%(value)s” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
    "departure_before_arrival": _("The departure date must come after the arrival date."),
    "duplicate": _("%(value)s is also on line %(first)s of this file."),
    "registered": _("%(value)s already has an account in this section."),
    "invited": _("%(value)s has already been invited by an earlier import."),
    "place": _("“%(value)s” is not one of the section's places of study: %(known)s."),
    "language": _("“%(value)s” is not a language of the platform: %(known)s."),
}


def message(problem: dict) -> str:
    """The coordinator's words for a problem of the report, in the current language."""
    return str(MESSAGES[problem["code"]]) % problem.get("params", {})


@dataclass
class Report:
    rows: list[dict] = field(default_factory=list)  # the rows without problems, cleaned
    errors: list[dict] = field(default_factory=list)
    row_count: int = 0
    # The active places of study by lower-case name, read once per file.
    places: dict[str, PlaceOfStudy] = field(default_factory=dict)
    # The columns of the file: HEADER, or HEADER_WITHOUT_LANGUAGE.
    columns: tuple[str, ...] = HEADER

    def add(self, line: int | None, code: str, column: str = "", **params) -> None:
        self.errors.append({"line": line, "column": column, "code": code, "params": params})


def decode(content: bytes) -> str | None:
    """The text of an uploaded file: UTF-8 (with or without BOM), else Windows-1252 as
    Excel writes it; None when it is no text file (a spreadsheet, an image...)."""
    if b"\x00" in content:
        return None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        return None


def parse(content: bytes) -> Report:
    """Check a whole file; rows are kept only when the whole file is free of problems."""
    report = Report()
    text = decode(content)
    if text is None:
        report.add(None, "not_text")
        return report
    if not text.strip():
        report.add(None, "empty")
        return report
    first_line = text.splitlines()[0]
    # Excel writes ";" where the decimal separator is a comma (French, German...).
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    report.places = _places()
    cleaned, emails = [], []
    try:
        header = [cell.strip().lower() for cell in next(reader)]
        if header == list(HEADER_WITHOUT_LANGUAGE):
            report.columns = HEADER_WITHOUT_LANGUAGE
        elif not _header_is_right(header, report):
            return report
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            report.row_count += 1
            row, email = _clean_row(reader.line_num, cells, report)
            if row is not None:
                cleaned.append(row)
            if email:
                emails.append({"line": reader.line_num, "email": email})
    except csv.Error as error:
        report.add(reader.line_num, "csv", detail=str(error))
        return report
    if report.row_count == 0:
        report.add(None, "no_rows")
        return report
    # every well-formed email counts, also on lines with other problems
    _check_emails(emails, report)
    if not report.errors:
        report.rows = cleaned
    report.errors.sort(key=lambda problem: problem["line"] or 0)
    return report


def recheck(rows: list[dict]) -> list[dict]:
    """The problems that appeared since a preview: new accounts or invitations, places
    that were deactivated."""
    report = Report(places=_places())
    _check_emails(rows, report)
    active = {place.pk for place in report.places.values()}
    for row in rows:
        if row["place_of_study"] not in active:
            report.add(
                row["line"],
                "place",
                "place_of_study",
                value=row["place_of_study_name"],
                known=_known(report.places),
            )
    return sorted(report.errors, key=lambda problem: problem["line"])


def _header_is_right(header: list[str], report: Report) -> bool:
    if header == list(HEADER):
        return True
    expected = ", ".join(HEADER)
    missing = [name for name in HEADER if name not in header]
    unexpected = [name for name in header if name not in HEADER]
    if missing or unexpected or len(header) != len(HEADER):
        report.add(
            1,
            "header",
            expected=expected,
            missing=", ".join(missing) or "—",
            unexpected=", ".join(name or '""' for name in unexpected) or "—",
        )
    else:
        report.add(1, "header_order", expected=expected)
    return False


def _clean_row(line: int, cells: list[str], report: Report) -> tuple[dict | None, str]:
    """The cleaned row (None when it has problems) and its email when well-formed."""
    if len(cells) != len(report.columns):
        report.add(line, "cells", found=len(cells), expected=len(report.columns))
        return None, ""
    values = dict(zip(report.columns, (cell.strip() for cell in cells), strict=True))
    values.setdefault("language", "")
    for column in NAME_COLUMNS:  # cleaned first: a name of invisible characters is no name
        values[column] = plain_name(values[column])
    before = len(report.errors)
    for column in HEADER:
        if not values[column] and column not in OPTIONAL:
            report.add(line, "required", column, name=column)
        elif column in MAX_LENGTHS and len(values[column]) > MAX_LENGTHS[column]:
            report.add(line, "too_long", column, name=column, max=MAX_LENGTHS[column])
    email = normalise_email(values["email"])
    if email and len(email) <= MAX_LENGTHS["email"]:
        try:
            validate_email(email)
        except ValidationError:
            report.add(line, "email", "email", value=values["email"])
            email = ""
    else:
        email = ""
    nationality = countries.alpha2(values["nationality"]) if values["nationality"] else ""
    if values["nationality"] and not nationality:
        report.add(line, "nationality", "nationality", value=values["nationality"])
    arrival = _date(line, "arrival_date", values["arrival_date"], report)
    departure = _date(line, "departure_date", values["departure_date"], report)
    if arrival and departure and departure <= arrival:
        report.add(line, "departure_before_arrival", "departure_date")
    place = None
    if values["place_of_study"]:
        place = report.places.get(values["place_of_study"].casefold())
        if place is None:
            report.add(
                line,
                "place",
                "place_of_study",
                value=values["place_of_study"],
                known=_known(report.places),
            )
    language = _language(line, values["language"], nationality, report)
    if len(report.errors) > before:
        return None, email
    return {
        "line": line,
        "email": email,
        "first_name": values["first_name"],
        "last_name": values["last_name"],
        "nationality": nationality,
        "arrival_date": arrival.isoformat(),
        "departure_date": departure.isoformat(),
        "place_of_study": place.pk,
        "place_of_study_name": place.name,
        "home_university": values["home_university"],
        "language": language,
    }, email


def _language(line: int, value: str, nationality: str, report: Report) -> str:
    """The language of the student's invitation and pages: the file's, else the section's
    own for a student of the section's country, else English."""
    languages = dict(settings.LANGUAGES)
    if value:
        code = value.lower()
        if code not in languages:
            report.add(line, "language", "language", value=value, known=", ".join(languages))
        return code
    section = current_section()
    if section is not None and nationality == section.country.code:
        return section.default_language
    return "en"


def _date(line: int, column: str, value: str, report: Report) -> date | None:
    if not value:
        return None
    for date_format in DATE_FORMATS:
        try:
            return datetime.strptime(value, date_format).date()
        except ValueError:
            continue
    report.add(line, "date", column, name=column, value=value)
    return None


def _check_emails(rows: list[dict], report: Report) -> None:
    """Duplicates inside the file, accounts and pending invitations of the section.

    `rows` are dicts with at least "line" and a well-formed, lower-case "email".
    """
    first_line: dict[str, int] = {}
    for row in rows:
        email = row["email"]
        if email in first_line:
            report.add(row["line"], "duplicate", "email", value=email, first=first_line[email])
        else:
            first_line[email] = row["line"]
    emails = list(first_line)
    registered = set(
        User.objects.annotate(lower_email=Lower("email"))
        .filter(lower_email__in=emails)
        .values_list("lower_email", flat=True)
    )
    invited = set(
        ImportedInvitation.objects.filter(
            email__in=emails,
            used_at__isnull=True,
            created_at__gt=timezone.now() - INVITATION_VALID_FOR,
        ).values_list("email", flat=True)
    )
    for row in rows:
        if row["email"] in registered:
            report.add(row["line"], "registered", "email", value=row["email"])
        elif row["email"] in invited:
            report.add(row["line"], "invited", "email", value=row["email"])


def _places() -> dict[str, PlaceOfStudy]:
    return {place.name.casefold(): place for place in PlaceOfStudy.objects.filter(is_active=True)}


def _known(places: dict[str, PlaceOfStudy]) -> str:
    return ", ".join(sorted(place.name for place in places.values())) or "—"
