"""What the API table (tests/api/api_routes.py) needs to call the coordinators' endpoints on
students, imports, events, messages, guides and exports."""

import csv
import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from core.events.models import Event, Message
from core.exchange.importing import HEADER
from core.exchange.models import ImportBatch
from core.guides.models import Guide
from core.models import Profile
from factories import (
    EventFactory,
    GuideFactory,
    ImportBatchFactory,
    MessageFactory,
    PlaceOfStudyFactory,
    ProfileFactory,
)

PROFILE = dict(model=Profile, make=ProfileFactory)
BATCH = dict(model=ImportBatch, make=ImportBatchFactory)
EVENT = dict(model=Event, make=EventFactory)
MESSAGE = dict(model=Message, make=MessageFactory)
GUIDE = dict(model=Guide, make=GuideFactory)
PLACE = "Université de Lille"


def _new_email() -> str:
    return f"incoming-{timezone.now().timestamp()}@example.org"


def import_file(_pk=None) -> dict:
    """A clean CSV of one incoming student of Lille's (whose place of study it makes)."""
    with schema_context("lille"):
        PlaceOfStudyFactory(name=PLACE)
    today = timezone.localdate()
    values = {
        "email": _new_email(),
        "first_name": "Ana",
        "last_name": "García",
        "nationality": "ES",
        "arrival_date": str(today + timedelta(days=30)),
        "departure_date": str(today + timedelta(days=150)),
        "place_of_study": PLACE,
        "home_university": "Universidad de Granada",
        "language": "",
    }
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerow([values[column] for column in HEADER])
    return {"file": SimpleUploadedFile("incoming.csv", buffer.getvalue().encode(), "text/csv")}


def committable_batch(**fields) -> ImportBatch:
    """A previewed batch of one row that can be imported, in the current schema."""
    place = PlaceOfStudyFactory(name=PLACE)
    today = timezone.localdate()
    row = {
        "line": 2,
        "email": _new_email(),
        "first_name": "Ana",
        "last_name": "García",
        "nationality": "ES",
        "arrival_date": str(today + timedelta(days=30)),
        "departure_date": str(today + timedelta(days=150)),
        "place_of_study": place.pk,
        "place_of_study_name": place.name,
        "home_university": "Universidad de Granada",
        "language": "en",
    }
    return ImportBatchFactory(rows=[row], row_count=1, **fields)


def new_event(_pk=None) -> dict:
    starts = timezone.now().replace(microsecond=0) + timedelta(days=7)
    return {
        "title": "Welcome picnic",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "place": "Citadelle park",
        "capacity": 40,
    }


def new_draft(_pk=None) -> dict:
    """A message to Lille's incoming students (one of whom it makes: a group must hold
    someone to be messaged)."""
    with schema_context("lille"):
        ProfileFactory()
    return {"segment": "all_incoming", "subject_en": "Welcome drinks", "body_en": "Hello!"}


def message_to_send(**fields) -> Message:
    """A draft to the incoming students, with one to receive it, in the current schema."""
    ProfileFactory()
    return MessageFactory(**fields)
