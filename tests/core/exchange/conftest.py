"""Shared pieces of the CSV import tests."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.exchange.importing import HEADER
from core.models import PlaceOfStudy


@pytest.fixture
def place(lille, in_section) -> PlaceOfStudy:
    with in_section(lille):
        return PlaceOfStudy.objects.create(name="Université de Lille")


@pytest.fixture
def row():
    """One good line of the import file, as a dict; `n` makes the email unique."""

    def make(n: int = 0, **overrides) -> dict:
        today = timezone.localdate()
        values = {
            "email": f"incoming{n}@example.org",
            "first_name": "Ana",
            "last_name": f"García {n}",
            "nationality": "ES",
            "arrival_date": str(today + timedelta(days=30)),
            "departure_date": (today + timedelta(days=150)).strftime("%d/%m/%Y"),
            "place_of_study": "université de lille",
            "home_university": "Universidad de Granada",
            "language": "",
        }
        return {**values, **overrides}

    return make


@pytest.fixture
def csv_bytes():
    """The bytes of a CSV file with `rows` (dicts or lists) under `header`."""

    def make(rows, header=HEADER, delimiter=",", encoding="utf-8") -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter)
        writer.writerow(header)
        for values in rows:
            writer.writerow(
                [values[name] for name in header] if isinstance(values, dict) else values
            )
        return buffer.getvalue().encode(encoding)

    return make


@pytest.fixture
def upload():
    def make(content: bytes, name="students.csv", content_type="text/csv") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, content, content_type=content_type)

    return make
