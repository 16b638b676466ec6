"""A failed send is retried minutes later (config.celery.retry_delay), then failed after
MAX_ATTEMPTS and shown to the coordinators, who can try it again; an address the mail server
refuses fails at once. Neither the row nor the log ever holds the address."""

import re
from datetime import datetime, timedelta
from smtplib import SMTPDataError, SMTPException, SMTPRecipientsRefused

import pytest
from django.core import mail
from django.utils import timezone

from config.celery import MAX_ATTEMPTS, RETRY_DELAYS_MINUTES, retry_delay
from core.emails import VERIFY_EMAIL
from core.events import services as events
from core.events.models import Message, MessageDelivery
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from core.outbox.services import Relayed
from factories import ProfileFactory

pytestmark = pytest.mark.django_db

ADDRESS = "ana@example.org"
SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def in_lille(lille, in_section):
    with in_section(lille):
        yield


@pytest.fixture
def ana():
    return ProfileFactory(email_verified_at=None, user__email=ADDRESS)


def write_verification(profile, capture) -> tuple[OutboxMessage, datetime]:
    """Write the verification email and commit: the kick relays it (its first attempt)."""
    key = f"verify-email:{profile.user_id}"
    with capture(execute=True):
        outbox.send_email(key, VERIFY_EMAIL, user=profile.user_id)
        written = timezone.now()
    return OutboxMessage.objects.get(key=key), written


def assert_due_after(row, delay, before, after):
    assert before + delay <= row.next_attempt_at <= after + delay


def retry_until_given_up(row: OutboxMessage, attempts_done: int = 1) -> None:
    """Relay again each time the row is due, never before, until the relay gives it up."""
    for attempt in range(attempts_done + 1, MAX_ATTEMPTS + 1):
        assert outbox.relay(now=row.next_attempt_at - SECOND) == Relayed()  # not yet due
        moment = row.next_attempt_at + SECOND
        report = outbox.relay(now=moment)
        row.refresh_from_db()
        assert row.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert report == Relayed(retried=1)
            assert row.status == "pending" and row.finished_at is None
            # counted from the relay's own clock
            assert row.next_attempt_at == moment + retry_delay(attempt)
        else:
            assert report == Relayed(failed=1)
            assert row.status == "failed" and row.finished_at is not None


def assert_no_address_logged(log, address=ADDRESS):
    for record in log.records:
        assert address not in record.getMessage()
        assert address not in (record.exc_text or "")


def test_a_mail_server_error_is_retried_a_minute_later_then_sent(
    ana, mail_server, log, django_capture_on_commit_callbacks
):
    mail_server.fail(SMTPException(f"cannot deliver to {ADDRESS} now"))
    row, written = write_verification(ana, django_capture_on_commit_callbacks)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.finished_at is None
    assert_due_after(row, timedelta(minutes=1), written, timezone.now())
    assert retry_delay(1) == timedelta(minutes=1)
    # the error's type, never its text (which holds the address)
    assert row.last_error == "SMTPException"
    assert [r.getMessage() for r in log.records if r.name == "core.outbox.services"] == [
        f"outbox {row.key} attempt 1 failed: SMTPException"
    ]
    assert_no_address_logged(log)
    assert mail_server.tries == 1

    # not in a tight loop: a relay at once, or just before it is due, does not try again
    mail_server.recover()
    assert outbox.relay() == Relayed()
    assert outbox.relay(now=row.next_attempt_at - SECOND) == Relayed()
    assert mail_server.tries == 1 and mail.outbox == []

    assert outbox.relay(now=row.next_attempt_at + SECOND) == Relayed(sent=1)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert row.finished_at is not None
    assert mail_server.delivered == [ADDRESS]
    assert [email.to for email in mail.outbox] == [[ADDRESS]]
    # sent: later relays leave it alone
    assert outbox.relay(now=timezone.now() + timedelta(days=1)) == Relayed()
    assert len(mail.outbox) == 1


def test_the_mail_servers_code_is_kept_but_not_its_text(
    ana, mail_server, log, django_capture_on_commit_callbacks
):
    mail_server.fail(SMTPDataError(451, f"4.3.0 <{ADDRESS}> try later".encode()))
    row, _written = write_verification(ana, django_capture_on_commit_callbacks)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "SMTPDataError 451")
    assert_no_address_logged(log)


def test_the_retries_back_off_over_minutes_then_the_row_is_failed(
    ana, mail_server, django_capture_on_commit_callbacks
):
    assert len(RETRY_DELAYS_MINUTES) + 1 == MAX_ATTEMPTS
    # minutes apart, longer each time, over hours in all
    assert list(RETRY_DELAYS_MINUTES) == sorted(set(RETRY_DELAYS_MINUTES))
    assert RETRY_DELAYS_MINUTES[0] >= 1 and sum(RETRY_DELAYS_MINUTES) >= 60
    mail_server.fail(SMTPException("down"))
    row, _written = write_verification(ana, django_capture_on_commit_callbacks)
    retry_until_given_up(row)
    assert mail_server.tries == MAX_ATTEMPTS
    # failed is final: no relay tries it again by itself
    assert outbox.relay(now=timezone.now() + timedelta(days=30)) == Relayed()
    assert mail_server.tries == MAX_ATTEMPTS
    assert mail.outbox == []


def test_a_message_email_failed_after_the_limit_fails_its_delivery(
    coordinator_user, mail_server, django_capture_on_commit_callbacks
):
    student = ProfileFactory(user__email=ADDRESS)
    message = Message.objects.create(
        segment="all_incoming", subject_en="Welcome drinks", body_en="Hello {first_name}"
    )
    mail_server.fail(SMTPException("down"))
    with django_capture_on_commit_callbacks(execute=True):
        events.send_message(message.pk, coordinator_user)
    row = OutboxMessage.objects.get(key=f"message:{message.pk}:{student.pk}")
    delivery = MessageDelivery.objects.get(message=message, profile=student)
    assert row.args == {"delivery": delivery.pk}
    assert (row.status, row.attempts) == ("pending", 1)
    retry_until_given_up(row)
    # the kind's `failed` ran, in the relay's transaction: the delivery and the message know
    delivery.refresh_from_db()
    message.refresh_from_db()
    assert delivery.status == "failed" and delivery.sent_at is None
    assert delivery.error == "SMTPException"  # the row's description, never an address
    assert (message.sent_count, message.failed_count) == (0, 1)
    assert message.status == "sent" and message.finished_at is not None  # nothing pending
    assert mail.outbox == []


def failed_emails_section(response) -> str:
    html = response.content.decode()
    assert response.status_code == 200
    start = html.index("Emails that could not be sent")
    return html[start : html.index("</ul>", start)]


def test_coordinators_see_a_failed_email_and_try_it_again(
    ana, coordinator, mail_server, django_capture_on_commit_callbacks
):
    mail_server.fail(SMTPException("down"))
    row, _written = write_verification(ana, django_capture_on_commit_callbacks)
    retry_until_given_up(row)

    listed = failed_emails_section(coordinator.get("/coordinator/"))
    assert "Email verification" in listed  # the kind's label
    assert "SMTPException" in listed
    assert f'action="/coordinator/emails/{row.pk}/retry/"' in listed
    assert "Try again" in listed
    assert ADDRESS not in listed

    assert coordinator.get(f"/coordinator/emails/{row.pk}/retry/").status_code == 405
    mail_server.recover()
    with django_capture_on_commit_callbacks() as callbacks:  # committed, not yet run
        response = coordinator.post(f"/coordinator/emails/{row.pk}/retry/")
    assert response.status_code == 302 and response["Location"] == "/coordinator/"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.finished_at) == ("pending", 0, None)
    assert row.next_attempt_at <= timezone.now()  # due at once
    assert mail.outbox == []
    assert len(callbacks) == 1  # the retry kicks the relay on commit
    callbacks[0]()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
    assert [email.to for email in mail.outbox] == [[ADDRESS]]
    listed = failed_emails_section(coordinator.get("/coordinator/"))
    assert f"/coordinator/emails/{row.pk}/retry/" not in listed

    # trying again what is not failed (any more) is refused and sends nothing
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert coordinator.post(f"/coordinator/emails/{row.pk}/retry/").status_code == 404
    assert callbacks == []
    row.refresh_from_db()
    assert row.status == "sent" and len(mail.outbox) == 1


def test_a_coordinator_cannot_retry_another_sections_failed_email(
    paris, in_section, coordinator, mail_server, django_capture_on_commit_callbacks
):
    with in_section(paris):
        student = ProfileFactory(email_verified_at=None, user__email=ADDRESS)
        row = OutboxMessage.objects.create(
            key=f"verify-email:{student.user_id}",
            kind="email",
            name=VERIFY_EMAIL,
            args={"user": student.user_id},
            status="failed",
            attempts=MAX_ATTEMPTS,
        )
    # lille's coordinator, on lille's host: paris's row is not one of lille's
    assert not OutboxMessage.objects.filter(pk=row.pk, status="failed").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(f"/coordinator/emails/{row.pk}/retry/")
    assert response.status_code == 404
    with in_section(paris):
        row.refresh_from_db()
    assert row.status == "failed" and mail.outbox == []


def test_trying_again_a_failed_message_email_sends_it(
    coordinator, coordinator_user, mail_server, django_capture_on_commit_callbacks
):
    student = ProfileFactory(user__email=ADDRESS)
    message = Message.objects.create(
        segment="all_incoming", subject_en="Welcome drinks", body_en="Hello {first_name}"
    )
    mail_server.fail(SMTPRecipientsRefused({ADDRESS: (550, b"no such user")}))
    with django_capture_on_commit_callbacks(execute=True):
        events.send_message(message.pk, coordinator_user)
    row = OutboxMessage.objects.get(key=f"message:{message.pk}:{student.pk}")
    assert row.status == "failed"
    delivery = MessageDelivery.objects.get(message=message)
    assert (delivery.status, delivery.error) == ("failed", "SMTPRecipientsRefused 550")
    message.refresh_from_db()
    assert (message.status, message.failed_count) == ("sent", 1)
    mail_server.recover()  # the coordinator fixed the address
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(f"/coordinator/emails/{row.pk}/retry/")
    assert response.status_code == 302
    # the kind's `retried` put the delivery back to pending, so the relay sent it
    row.refresh_from_db()
    delivery.refresh_from_db()
    message.refresh_from_db()
    assert [email.to for email in mail.outbox] == [[ADDRESS]]
    assert (row.status, row.attempts) == ("sent", 1)
    assert (delivery.status, delivery.error) == ("sent", "")
    assert (message.status, message.sent_count, message.failed_count) == ("sent", 1, 0)


def test_a_refused_address_fails_at_once_without_the_address_in_row_or_log(
    ana, coordinator, mail_server, log, django_capture_on_commit_callbacks
):
    mail_server.fail(
        SMTPRecipientsRefused({ADDRESS: (550, f"5.1.1 <{ADDRESS}>: no such user".encode())})
    )
    row, _written = write_verification(ana, django_capture_on_commit_callbacks)
    # trying again cannot help: failed at the first attempt, not retried
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.finished_at is not None
    assert row.last_error == "SMTPRecipientsRefused 550"
    assert not re.search(r"@|ana", row.last_error)
    assert outbox.relay(now=timezone.now() + timedelta(days=1)) == Relayed()
    assert mail_server.tries == 1
    warnings = [r.getMessage() for r in log.records if r.name == "core.outbox.services"]
    assert warnings == [f"outbox {row.key} attempt 1 failed: SMTPRecipientsRefused 550"]
    assert_no_address_logged(log)
    listed = failed_emails_section(coordinator.get("/coordinator/"))
    assert "SMTPRecipientsRefused 550" in listed and ADDRESS not in listed
