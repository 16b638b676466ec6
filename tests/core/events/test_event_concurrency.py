"""Races: registrations for the last places take turns on the event's row lock; two
relays sending one message's outbox emails share them, and nobody gets it twice.

Not in a test transaction: each thread has its own connection and must see committed rows.
"""

import time

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.db.models import Count
from django_tenants.utils import schema_context

from core.events import services
from core.events.models import EventRegistration, Message, MessageDelivery
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from factories import ProfileFactory
from threads import at_once, relays_at_once


@pytest.fixture
def committed_event(committed_lille, django_db_blocker, make_event):
    """An event and students the threads' own connections can see; removed afterwards by
    `committed_lille`."""
    with django_db_blocker.unblock(), schema_context("lille"):
        event = make_event(capacity=3)
        students = [ProfileFactory() for _ in range(12)]
    connection.set_schema_to_public()
    return event, students


def test_concurrent_registrations_never_overbook(committed_event, django_db_blocker):
    event, students = committed_event

    def registration(student):
        def register():
            with schema_context("lille"):
                return services.register_for_event(event.pk, student)

        return register

    with django_db_blocker.unblock():
        at_once([registration(student) for student in students])
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
def committed_message(committed_lille, django_db_blocker):
    """A message queued to 15 students, committed; removed afterwards by `committed_lille`."""
    with django_db_blocker.unblock(), schema_context("lille"):
        students = [ProfileFactory() for _ in range(15)]
        message = Message.objects.create(
            segment="all_incoming", subject_en="Hello", body_en="Hello {first_name}"
        )
        # written to the outbox, but not relayed on commit: the test's relays send them
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(outbox, "kick_after_commit", lambda: None)
            services.send_message(message.pk, None)
    connection.set_schema_to_public()
    return message, students


def test_two_relays_sending_one_message_send_each_email_once(
    committed_message, django_db_blocker, settings
):
    message, students = committed_message
    assert mail.outbox == []
    settings.EMAIL_BACKEND = f"{__name__}.SlowRelay"
    with django_db_blocker.unblock():
        reports = relays_at_once(2)
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
