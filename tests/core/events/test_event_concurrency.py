"""Races: registrations for the last places take turns on the event's row lock; two
relays sending one message's outbox emails share them, and nobody gets it twice.

Not in a test transaction: each thread has its own connection and must see committed rows.
"""

import threading
import time

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.db.models import Count
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.events import services
from core.events.models import Event, EventRegistration, Message, MessageDelivery
from core.models import AuditEvent, PlaceOfStudy
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
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
        except Exception as error:
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


class SlowRelay(EmailBackend):
    """A mail server taking a little time per email, so that two relays overlap."""

    def send_messages(self, messages):
        time.sleep(0.05)
        return super().send_messages(messages)


@pytest.fixture
def committed_message(django_db_setup, django_db_blocker):
    """A message queued to 15 students, committed; removed afterwards."""
    with django_db_blocker.unblock(), schema_context("lille"):
        places_before = set(PlaceOfStudy.objects.values_list("pk", flat=True))
        students = [ProfileFactory() for _ in range(15)]
        message = Message.objects.create(
            segment="all_incoming", subject_en="Hello", body_en="Hello {first_name}"
        )
        # written to the outbox, but not relayed on commit: the test's relays send them
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(outbox, "kick_after_commit", lambda: None)
            services.send_message(message.pk, None)
    yield message, students
    with django_db_blocker.unblock(), schema_context("lille"):
        OutboxMessage.objects.filter(key__startswith=f"message:{message.pk}:").delete()
        Message.objects.filter(pk=message.pk).delete()
        AuditEvent.objects.filter(action="message_sent", details__message=message.pk).delete()
        User.objects.filter(pk__in=[s.user_id for s in students]).delete()
        PlaceOfStudy.objects.exclude(pk__in=places_before).delete()
    connection.set_schema_to_public()


def test_two_relays_sending_one_message_send_each_email_once(
    committed_message, django_db_blocker, settings
):
    message, students = committed_message
    assert mail.outbox == []
    settings.EMAIL_BACKEND = f"{__name__}.SlowRelay"
    start = threading.Barrier(2)
    errors, reports = [], []

    def relay():
        try:
            with schema_context("lille"):
                start.wait()
                reports.append(outbox.relay())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=relay) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with schema_context("lille"):
            message = Message.objects.get(pk=message.pk)
            statuses = set(
                MessageDelivery.objects.filter(message=message).values_list("status", flat=True)
            )
            rows = set(
                OutboxMessage.objects.filter(key__startswith=f"message:{message.pk}:")
                .values_list("status", "attempts")
                .distinct()
            )
    assert sorted(email.to[0] for email in mail.outbox) == sorted(s.user.email for s in students)
    # both relays took their share, and no email was tried twice
    assert len(reports) == 2 and all(report.sent > 0 for report in reports)
    assert sum(report.sent for report in reports) == 15
    assert rows == {("sent", 1)}
    assert message.status == "sent" and message.sent_count == 15 and statuses == {"sent"}
