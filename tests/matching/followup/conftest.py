"""Pairs at chosen points of their life, and clients for the follow-up pages."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from clients import section_client
from factories import ProfileFactory
from matching.models import Pair


@pytest.fixture
def make_pair(in_section, lille):
    """`make_pair(...)` creates a confirmed pair (in lille unless `section=` says otherwise).

    confirmed, arrived: days ago; departs: days from today (for the incoming student).
    """
    counter = iter(range(1000))

    def make(
        *,
        section=None,
        confirmed=8,
        arrived=30,
        departs=120,
        incoming_language="en",
        buddy_language="fr",
        **pair_fields,
    ) -> Pair:
        n = next(counter)
        today = timezone.localdate()
        with in_section(section or lille):
            incoming = ProfileFactory(
                user__first_name=f"Ana{n}",
                user__email=f"ana{n}@example.org",
                language=incoming_language,
                arrival_date=today - timedelta(days=arrived),
                departure_date=today + timedelta(days=departs),
            )
            buddy = ProfileFactory(
                buddy=True,
                user__first_name=f"Lucas{n}",
                user__email=f"lucas{n}@example.org",
                language=buddy_language,
            )
            return Pair.objects.create(
                incoming=incoming,
                buddy=buddy,
                confirmed_at=timezone.now() - timedelta(days=confirmed),
                **pair_fields,
            )

    return make


@pytest.fixture
def anonymous(lille) -> Client:
    client = Client(HTTP_HOST=lille.host)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def student_client(lille, in_section):
    """`student_client(profile)`: a client logged in as that student."""
    return lambda profile: section_client(lille, profile.user)
