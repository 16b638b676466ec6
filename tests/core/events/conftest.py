"""Shared fixtures of the events and messages tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.events.models import Event


def _make_event(**fields) -> Event:
    starts_at = fields.pop("starts_at", timezone.now() + timedelta(days=7))
    values = {
        "title": "Welcome picnic",
        "starts_at": starts_at,
        "place": "Citadelle park",
        "capacity": 2,
        "description": "Bring food to share.",
    } | fields
    return Event.objects.create(**values)


@pytest.fixture
def make_event():
    """`make_event(**fields)`: an event of the current section, published, in a week."""
    return _make_event
