"""Messages without HTTP: segments, sending once per student, languages, unsubscribing."""

from datetime import date, timedelta
from smtplib import SMTPException, SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from config.celery import MAX_ATTEMPTS, retry_delay
from core.events import segments, services, unsubscribe
from core.events.emails import MESSAGE_EMAIL
from core.events.models import EventRegistration, Message, MessageDelivery
from core.models import AuditEvent, Profile
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from core.signing import _salt
from factories import ProfileFactory
from matching.models import Pair

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_lille(lille, in_section):
    with in_section(lille):
        yield


def keys(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def pair(incoming, buddy, ended=False) -> Pair:
    now = timezone.now()
    return Pair.objects.create(
        incoming=incoming, buddy=buddy, confirmed_at=now, ended_at=now if ended else None
    )


def draft(**fields) -> Message:
    values = {
        "segment": "all_incoming",
        "subject_en": "Welcome drinks",
        "body_en": "Hello {first_name}, join us at {section}!",
        "subject_fr": "Pot d'accueil",
        "body_fr": "Bonjour {first_name}, rejoignez-nous à {section} !",
    } | fields
    return Message.objects.create(**values)


def send(message: Message, user=None, capture=None) -> Message:
    with capture(execute=True):
        services.send_message(message.pk, user)
    return Message.objects.get(pk=message.pk)


def test_segments_hold_verified_students_taking_part():
    incoming = ProfileFactory()
    buddy = ProfileFactory(buddy=True)
    ProfileFactory(email_verified_at=None)
    ProfileFactory(status=Profile.Status.WITHDRAWN)
    ProfileFactory(buddy=True, status=Profile.Status.DEACTIVATED)
    assert keys(segments.recipients("all_incoming")) == {incoming.pk}
    assert keys(segments.recipients("all_buddies")) == {buddy.pk}


def test_all_buddies_holds_past_and_current_buddies():
    current, past, new = (ProfileFactory(buddy=True) for _ in range(3))
    gone = ProfileFactory(
        buddy=True,
        available_from=date(2020, 1, 1),
        available_until=date(2020, 6, 1),
    )
    pair(ProfileFactory(), current)
    pair(ProfileFactory(), past, ended=True)
    assert keys(segments.recipients("all_buddies")) == {current.pk, past.pk, new.pk, gone.pk}


def test_unmatched_segments():
    waiting, matched = ProfileFactory(), ProfileFactory()
    full = ProfileFactory(buddy=True, capacity=1)
    free = ProfileFactory(buddy=True, capacity=2)
    pair(matched, full)
    pair(ProfileFactory(), free)
    assert keys(segments.recipients("unmatched_incoming")) == {waiting.pk}
    assert keys(segments.recipients("unmatched_buddies")) == {free.pk}


def test_incoming_arriving_in_a_month():
    march = ProfileFactory(arrival_date=date(2031, 3, 31))
    ProfileFactory(arrival_date=date(2031, 4, 1))
    ProfileFactory(arrival_date=date(2031, 2, 28))
    december = ProfileFactory(arrival_date=date(2031, 12, 1))
    assert keys(segments.recipients("incoming_arriving", "2031-03")) == {march.pk}
    assert keys(segments.recipients("incoming_arriving", "2031-12")) == {december.pk}


def test_attendees_of_an_event(make_event):
    event = make_event()
    registered, waiting, cancelled = (ProfileFactory() for _ in range(3))
    for student, status in (
        (registered, "registered"),
        (waiting, "waiting"),
        (cancelled, "cancelled"),
    ):
        EventRegistration.objects.create(
            event=event, profile=student, status=status, created_at=timezone.now()
        )
    assert keys(segments.recipients("event_attendees", str(event.pk))) == {registered.pk}


@pytest.mark.parametrize(
    ("segment", "parameter", "error"),
    [
        ("incoming_arriving", "", "YYYY-MM"),
        ("incoming_arriving", "2026-13", "YYYY-MM"),
        ("incoming_arriving", "2026-00", "YYYY-MM"),
        ("incoming_arriving", "March", "YYYY-MM"),
        ("incoming_arriving", "9999-12", "YYYY-MM"),
        ("event_attendees", "", "Choose an event"),
        ("event_attendees", "abc", "Choose an event"),
        ("event_attendees", "999999", "does not exist"),
        ("everybody_on_earth", "", "listed groups"),
    ],
)
def test_bad_segment_parameters_are_refused(segment, parameter, error):
    with pytest.raises(segments.SegmentError, match=error):
        segments.recipients(segment, parameter)


def test_sending_reaches_each_student_once_in_their_language_and_is_audited(
    coordinator_user, lille, django_capture_on_commit_callbacks
):
    english = ProfileFactory(language="en", user__first_name="Ana", user__email="ana@example.org")
    french = ProfileFactory(
        language="fr", user__first_name="Louis", user__email="louis@example.org"
    )
    message = send(draft(), coordinator_user, django_capture_on_commit_callbacks)
    assert message.status == "sent" and message.finished_at
    assert (message.recipients_count, message.sent_count, message.failed_count) == (2, 2, 0)
    by_recipient = {email.to[0]: email for email in mail.outbox}
    assert len(mail.outbox) == 2
    assert by_recipient["ana@example.org"].subject == "Welcome drinks"
    assert "Hello Ana, join us at ESN Lille!" in by_recipient["ana@example.org"].body
    assert by_recipient["louis@example.org"].subject == "Pot d'accueil"
    assert "Bonjour Louis, rejoignez-nous à ESN Lille !" in by_recipient["louis@example.org"].body
    html = by_recipient["louis@example.org"].alternatives[0][0]
    assert "Bonjour Louis" in html
    assert set(
        MessageDelivery.objects.filter(message=message).values_list("profile_id", "status")
    ) == {(english.pk, "sent"), (french.pk, "sent")}
    audit = AuditEvent.objects.get(action="message_sent")
    assert audit.actor == coordinator_user
    assert audit.details == {"message": message.pk, "recipients": 2}


def test_a_language_left_out_falls_back_to_the_section_language(
    django_capture_on_commit_callbacks,
):
    ProfileFactory(language="en", user__email="ana@example.org")
    send(draft(subject_en="", body_en=""), capture=django_capture_on_commit_callbacks)
    # lille writes French first: the English speaker gets the French text
    assert mail.outbox[0].subject == "Pot d'accueil"


def outbox_rows(message: Message):
    return OutboxMessage.objects.filter(key__startswith=f"message:{message.pk}:")


def test_one_outbox_email_per_recipient_and_relaying_again_sends_nothing_twice(
    django_capture_on_commit_callbacks,
):
    students = [ProfileFactory() for _ in range(3)]
    message = send(draft(), capture=django_capture_on_commit_callbacks)
    deliveries = dict(
        MessageDelivery.objects.filter(message=message).values_list("profile_id", "pk")
    )
    assert {(row.key, row.name, row.status, row.attempts) for row in outbox_rows(message)} == {
        (f"message:{message.pk}:{s.pk}", MESSAGE_EMAIL, "sent", 1) for s in students
    }
    assert {row.args["delivery"] for row in outbox_rows(message)} == set(deliveries.values())
    # the relay again, the same emails written again, a delivery's email under another key
    assert outbox.relay().sent == 0
    outbox.send_emails(
        (f"message:{message.pk}:{profile}", MESSAGE_EMAIL, {"delivery": delivery})
        for profile, delivery in deliveries.items()
    )
    assert outbox.relay().sent == 0
    outbox.send_email("message:again", MESSAGE_EMAIL, delivery=deliveries[students[0].pk])
    assert outbox.relay() == outbox.Relayed(skipped=1)
    assert len(mail.outbox) == 3
    assert len({email.to[0] for email in mail.outbox}) == 3
    message.refresh_from_db()
    assert (message.sent_count, message.skipped_count, message.failed_count) == (3, 0, 0)


class FailingOnThirdSend(EmailBackend):
    """A relay that breaks down once, on the third email it is given."""

    sends = 0

    def send_messages(self, messages):
        FailingOnThirdSend.sends += 1
        if FailingOnThirdSend.sends == 3:
            raise SMTPException("relay hiccup")
        return super().send_messages(messages)


def test_a_failed_email_is_retried_minutes_later_and_only_that_one(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.FailingOnThirdSend"
    FailingOnThirdSend.sends = 0
    students = [ProfileFactory() for _ in range(5)]
    message = send(draft(), capture=django_capture_on_commit_callbacks)
    assert FailingOnThirdSend.sends == 5  # four sent, the third failed
    assert len(mail.outbox) == 4
    assert (message.status, message.sent_count, message.failed_count) == ("sending", 4, 0)
    [waiting] = outbox_rows(message).filter(status="pending")
    assert (waiting.attempts, waiting.last_error) == (1, "SMTPException")
    assert waiting.next_attempt_at > timezone.now() + retry_delay(1) - timedelta(seconds=30)
    assert MessageDelivery.objects.get(pk=waiting.args["delivery"]).status == "pending"
    assert outbox.relay().sent == 0  # not due yet: nothing is sent again right away
    assert outbox.relay(now=timezone.now() + retry_delay(1)) == outbox.Relayed(sent=1)
    assert FailingOnThirdSend.sends == 6
    assert sorted(email.to[0] for email in mail.outbox) == sorted(s.user.email for s in students)
    message.refresh_from_db()
    assert message.status == "sent" and message.sent_count == 5 and message.finished_at
    assert outbox.relay(now=timezone.now() + timedelta(days=1)).sent == 0  # once more, for nothing
    assert len(mail.outbox) == 5


class AlwaysFailing(EmailBackend):
    def send_messages(self, messages):
        raise SMTPException("relay down")


def test_a_relay_down_for_good_fails_the_emails_after_the_last_attempt(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.AlwaysFailing"
    ProfileFactory()
    ProfileFactory()
    message = send(draft(), capture=django_capture_on_commit_callbacks)
    later = timezone.now()
    for attempt in range(1, MAX_ATTEMPTS):
        assert message.status == "sending" and message.failed_count == 0
        assert {row.attempts for row in outbox_rows(message)} == {attempt}
        later += retry_delay(attempt)
        assert outbox.relay(now=later) == outbox.Relayed(
            **({"failed": 2} if attempt == MAX_ATTEMPTS - 1 else {"retried": 2})
        )
        message.refresh_from_db()
    assert message.status == "sent" and message.finished_at
    assert (message.sent_count, message.failed_count) == (0, 2)
    assert set(
        MessageDelivery.objects.filter(message=message).values_list("status", flat=True)
    ) == {"failed"}
    assert {(row.status, row.attempts, row.last_error) for row in outbox_rows(message)} == {
        ("failed", MAX_ATTEMPTS, "SMTPException")
    }
    assert outbox.relay(now=later + timedelta(days=1)) == outbox.Relayed()
    assert mail.outbox == []


class RefusingOneAddress(EmailBackend):
    def send_messages(self, messages):
        if messages[0].to == ["bounce@example.org"]:
            raise SMTPRecipientsRefused({"bounce@example.org": (550, b"no such user")})
        return super().send_messages(messages)


def test_a_refused_address_fails_alone_and_at_once(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingOneAddress"
    bounce = ProfileFactory(user__email="bounce@example.org")
    ProfileFactory(user__email="ok@example.org")
    message = send(draft(), capture=django_capture_on_commit_callbacks)
    assert [email.to for email in mail.outbox] == [["ok@example.org"]]
    assert message.status == "sent"
    assert (message.sent_count, message.failed_count) == (1, 1)
    failed = MessageDelivery.objects.get(status="failed")
    assert failed.profile == bounce
    # no retry: the server's code is kept, never the address or its text
    row = outbox_rows(message).get(status="failed")
    assert row.args == {"delivery": failed.pk}
    assert (row.attempts, row.last_error) == (1, "SMTPRecipientsRefused 550")


def test_unsubscribed_students_are_skipped_except_for_essential_messages(
    django_capture_on_commit_callbacks,
):
    stays = ProfileFactory(user__email="stays@example.org")
    leaves = ProfileFactory(user__email="leaves@example.org")
    services.unsubscribe(leaves)
    message = send(draft(), capture=django_capture_on_commit_callbacks)
    assert [email.to for email in mail.outbox] == [["stays@example.org"]]
    assert MessageDelivery.objects.get(message=message, profile=leaves).status == "skipped"
    assert (message.recipients_count, message.sent_count, message.skipped_count) == (2, 1, 1)
    assert AuditEvent.objects.get(action="message_sent").details["recipients"] == 1
    # the unsubscribe link and header come with it
    token = unsubscribe.make_token(stays)
    assert f"/unsubscribe/{token}/" in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    mail.outbox.clear()
    send(draft(essential=True), capture=django_capture_on_commit_callbacks)
    assert sorted(email.to[0] for email in mail.outbox) == [
        "leaves@example.org",
        "stays@example.org",
    ]
    assert all("/unsubscribe/" not in email.body for email in mail.outbox)
    assert all("List-Unsubscribe" not in email.extra_headers for email in mail.outbox)


def test_unsubscribing_after_the_message_was_queued_still_counts(
    django_capture_on_commit_callbacks,
):
    student = ProfileFactory()
    with django_capture_on_commit_callbacks(execute=False):
        services.send_message(draft().pk, None)  # written to the outbox, not relayed yet
    services.unsubscribe(student)
    assert outbox.relay() == outbox.Relayed(skipped=1)
    assert mail.outbox == []
    assert MessageDelivery.objects.get().status == "skipped"
    message = Message.objects.get()
    assert message.status == "sent"
    assert (message.sent_count, message.skipped_count) == (0, 1)


def test_an_empty_segment_is_refused_and_nothing_is_written():
    ProfileFactory(buddy=True)
    message = draft(segment="all_incoming")
    with pytest.raises(services.NobodyToMessage):
        services.send_message(message.pk, None)
    assert Message.objects.get(pk=message.pk).status == "draft"
    assert not MessageDelivery.objects.exists()
    assert not AuditEvent.objects.filter(action="message_sent").exists()


def test_a_message_is_sent_once_only(django_capture_on_commit_callbacks):
    ProfileFactory()
    message = send(draft(), capture=django_capture_on_commit_callbacks)
    with pytest.raises(services.AlreadySent):
        services.send_message(message.pk, None)
    with pytest.raises(services.AlreadySent):
        services.save_message(None, {"subject_en": "Changed"}, message)
    assert len(mail.outbox) == 1


def test_unsubscribe_tokens_belong_to_one_student_of_one_section(lille, paris, in_section):
    ana, ben = ProfileFactory(), ProfileFactory()
    token = unsubscribe.make_token(ana)
    assert unsubscribe.profile_for(token) == ana
    assert unsubscribe.profile_for(unsubscribe.make_token(ben)) == ben
    # forged: ben's id under ana's signature, a broken signature, another salt
    signed_part, signature = unsubscribe.make_token(ben).rsplit(":", 1)[0], token.rsplit(":", 1)[1]
    assert unsubscribe.profile_for(f"{signed_part}:{signature}") is None
    assert unsubscribe.profile_for(token[:-2]) is None
    from django.core import signing

    assert unsubscribe.profile_for(signing.dumps({"s": "lille", "p": ben.pk})) is None
    # the right salt with no section, or with another section
    salt = _salt(unsubscribe.PURPOSE)
    assert unsubscribe.profile_for(signing.dumps({"s": "lille", "p": ben.pk}, salt=salt)) == ben
    assert unsubscribe.profile_for(signing.dumps({"p": ben.pk}, salt=salt)) is None
    assert unsubscribe.profile_for(signing.dumps({"s": "paris", "p": ben.pk}, salt=salt)) is None
    # made in lille, read in paris: nobody, even though paris has a profile with that id
    with in_section(paris):
        namesake = ProfileFactory(id=ana.pk)
        assert unsubscribe.profile_for(unsubscribe.make_token(namesake)) == namesake
        assert unsubscribe.profile_for(token) is None


def test_a_failed_email_tried_again_by_a_coordinator_is_sent(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingOneAddress"
    bounce = ProfileFactory(user__email="bounce@example.org")
    message = send(draft(), capture=django_capture_on_commit_callbacks)
    row = outbox_rows(message).get(status="failed")
    # the delivery shows why, as the outbox recorded it: the SMTP code, never the address
    assert MessageDelivery.objects.get(message=message).error == row.last_error
    assert "bounce" not in row.last_error and row.last_error.startswith("SMTPRecipientsRefused")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # address fixed
    assert outbox.retry_failed(row.pk)
    assert outbox.relay() == outbox.Relayed(sent=1)
    assert [email.to for email in mail.outbox] == [[bounce.user.email]]
    message.refresh_from_db()
    assert (message.status, message.sent_count, message.failed_count) == ("sent", 1, 0)
    assert MessageDelivery.objects.get(message=message).status == "sent"
