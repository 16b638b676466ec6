"""Registrations racing for the last places: the event's row lock makes them take turns.

Not in a test transaction: each thread has its own connection and must see committed rows.
"""

import threading

import pytest
from django.db import connection
from django.db.models import Count
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.events import services
from core.events.models import Event, EventRegistration
from core.models import PlaceOfStudy
from factories import ProfileFactory


@pytest.fixture
def committed_event(django_db_setup, django_db_blocker, make_event):
    """An event and students the threads' own connections can see; removed afterwards."""
    with django_db_blocker.unblock(), schema_context("lille"):
        places_before = set(PlaceOfStudy.objects.values_list("pk", flat=True))
        event = make_event(capacity=3)
        students = [ProfileFactory() for _ in range(12)]
    yield event, students
    with django_db_blocker.unblock(), schema_context("lille"):
        Event.objects.filter(pk=event.pk).delete()
        User.objects.filter(pk__in=[s.user_id for s in students]).delete()
        PlaceOfStudy.objects.exclude(pk__in=places_before).delete()
    connection.set_schema_to_public()


def test_concurrent_registrations_never_overbook(committed_event, django_db_blocker):
    event, students = committed_event
    start = threading.Barrier(len(students))
    errors = []

    def register(student):
        try:
            with schema_context("lille"):
                start.wait()
                services.register_for_event(event.pk, student)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=register, args=(s,)) for s in students]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with schema_context("lille"):
            counts = dict(
                EventRegistration.objects.filter(event=event)
                .values_list("status")
                .annotate(n=Count("pk"))
                .order_by()
                .values_list("status", "n")
            )
    assert counts == {"registered": 3, "waiting": 9}


@pytest.mark.django_db
def test_the_database_refuses_a_second_registration_of_a_student(lille, in_section, make_event):
    # (also makes this module set up the test database when it runs alone)
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    with in_section(lille):
        event = make_event()
        student = ProfileFactory()
        EventRegistration.objects.create(
            event=event, profile=student, status="registered", created_at=timezone.now()
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            EventRegistration.objects.create(
                event=event, profile=student, status="waiting", created_at=timezone.now()
            )
