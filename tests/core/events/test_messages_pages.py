"""The messages pages: write, review, send and follow a message; students unsubscribe."""

import pytest
from django.core import mail
from django.test import Client

from core.events import services, unsubscribe
from core.events.models import Message, MessageDelivery, MessagePreference
from factories import ProfileFactory

pytestmark = pytest.mark.django_db


def message_data(**overrides) -> dict:
    data = {
        "segment": "all_incoming",
        "subject_en": "Welcome drinks",
        "body_en": "Hello {first_name}!",
        "subject_fr": "Pot d'accueil",
        "body_fr": "Bonjour {first_name} !",
    }
    return {key: value for key, value in (data | overrides).items() if value is not None}


@pytest.fixture
def student(lille, in_section):
    with in_section(lille):
        return ProfileFactory(user__first_name="Ana", user__email="ana@example.org")


@pytest.fixture
def message(lille, in_section) -> Message:
    with in_section(lille):
        return Message.objects.create(**message_data())


def test_only_coordinators_send(message, student, client_for, lille, in_section):
    send = f"/coordinator/messages/{message.pk}/send/"
    assert Client(HTTP_HOST=lille.host).post(send)["Location"].startswith("/accounts/login/")
    assert client_for(lille, student.user).post(send).status_code == 403
    with in_section(lille):
        assert Message.objects.get().status == "draft"
    assert mail.outbox == []


def test_lille_sends_nothing_of_paris(coordinator, lille, paris, in_section):
    with in_section(paris):
        ProfileFactory()
        paris_message = Message.objects.create(**message_data(subject_en="Paris only"))
    on_paris = Client(HTTP_HOST=paris.host)
    on_paris.cookies["sessionid"] = coordinator.cookies["sessionid"].value
    on_paris.post(f"/coordinator/messages/{paris_message.pk}/send/")
    with in_section(lille):
        Message.objects.filter(pk=paris_message.pk).delete()
    coordinator.post(f"/coordinator/messages/{paris_message.pk}/send/")
    with in_section(paris):
        assert Message.objects.get().status == "draft"
    assert mail.outbox == []
    assert "Paris only" not in coordinator.get("/coordinator/messages/").content.decode()


def test_write_review_send_and_follow_a_message(
    coordinator, student, lille, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        ProfileFactory(language="fr", user__email="louis@example.org")
        ProfileFactory(buddy=True)  # not in the segment
    response = coordinator.post("/coordinator/messages/new/", message_data())
    with in_section(lille):
        message = Message.objects.get()
    assert response["Location"] == f"/coordinator/messages/{message.pk}/"
    review = coordinator.get(response["Location"]).content.decode()
    assert "2 students will receive this message." in review
    assert "All incoming students" in review and "Send now" in review

    with django_capture_on_commit_callbacks(execute=True):
        sent = coordinator.post(f"/coordinator/messages/{message.pk}/send/")
    assert sent["Location"] == f"/coordinator/messages/{message.pk}/"
    page = coordinator.get(sent["Location"]).content.decode()
    assert "The message is being sent." in page
    assert "Sent" in page and "ana@example.org" in page and "louis@example.org" in page
    assert 'http-equiv="refresh"' not in page
    subjects = {email.to[0]: email.subject for email in mail.outbox}
    assert subjects == {"ana@example.org": "Welcome drinks", "louis@example.org": "Pot d'accueil"}
    # sent: no second sending, no editing
    with django_capture_on_commit_callbacks(execute=True):
        again = coordinator.post(f"/coordinator/messages/{message.pk}/send/", follow=True)
    assert "already being sent" in again.content.decode()
    assert len(mail.outbox) == 2
    edit = coordinator.get(f"/coordinator/messages/{message.pk}/edit/")
    assert edit["Location"] == f"/coordinator/messages/{message.pk}/"
    listing = coordinator.get("/coordinator/messages/").content.decode()
    assert "Welcome drinks" in listing and "2 of 2 sent" in listing


def test_the_page_refreshes_while_sending_and_filters_recipients(
    coordinator, message, student, lille, in_section
):
    with in_section(lille):
        other = ProfileFactory(user__email="other@example.org")
        Message.objects.filter(pk=message.pk).update(
            status="sending", recipients_count=2, sent_count=1
        )
        MessageDelivery.objects.create(message=message, profile=student, status="sent")
        MessageDelivery.objects.create(message=message, profile=other, status="pending")
    page = coordinator.get(f"/coordinator/messages/{message.pk}/").content.decode()
    assert 'http-equiv="refresh"' in page and '<progress max="100" value="50">' in page
    pending = coordinator.get(
        f"/coordinator/messages/{message.pk}/?status=pending"
    ).content.decode()
    assert "other@example.org" in pending and "ana@example.org" not in pending
    assert (
        coordinator.get(f"/coordinator/messages/{message.pk}/?status=nonsense&page=x").status_code
        == 200
    )


def test_editing_a_draft(coordinator, message, student, lille, in_section):
    form = coordinator.get(f"/coordinator/messages/{message.pk}/edit/").content.decode()
    assert "Welcome drinks" in form
    coordinator.post(
        f"/coordinator/messages/{message.pk}/edit/", message_data(subject_en="Welcome party")
    )
    with in_section(lille):
        assert Message.objects.get().subject_en == "Welcome party"


def test_the_buddy_shortage_link_prefills_a_message_to_all_buddies(coordinator):
    response = coordinator.get("/coordinator/messages/new/?segment=all_buddies")
    assert response.status_code == 200
    form = response.context["form"]
    assert form["segment"].value() == "all_buddies"
    assert form["subject_en"].value() == "Can you welcome one more student?"
    assert "{first_name}" in form["body_en"].value()
    assert form["subject_fr"].value()  # filled in French (or English until translated)
    page = response.content.decode()
    assert '<option value="all_buddies" selected>' in page


def test_prefill_with_an_event_and_a_month(coordinator, lille, in_section, make_event):
    with in_section(lille):
        event = make_event()
    form = coordinator.get(
        f"/coordinator/messages/new/?segment=event_attendees&event={event.pk}"
    ).context["form"]
    assert form["segment"].value() == "event_attendees"
    assert str(form["event"].value()) == str(event.pk)
    form = coordinator.get(
        "/coordinator/messages/new/?segment=incoming_arriving&month=2031-03"
    ).context["form"]
    assert form["month"].value() == "2031-03"
    # nonsense in the address is ignored, not an error
    assert coordinator.get("/coordinator/messages/new/?segment=nope&event=abc").status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field", "error"),
    [
        ({"segment": "all_buddies"}, "segment", "No student is in this group"),
        ({"segment": "everybody"}, "segment", "Choose one of the listed groups"),
        ({"segment": "incoming_arriving"}, "month", "YYYY-MM"),
        ({"segment": "incoming_arriving", "month": "2026-13"}, "month", "YYYY-MM"),
        (
            {"segment": "incoming_arriving", "month": "2031-03"},
            "segment",
            "No student is in this group",
        ),
        ({"segment": "event_attendees"}, "event", "Choose an event"),
        ({"segment": "event_attendees", "event": "999999"}, "event", "does not exist"),
        ({"segment": "event_attendees", "event": "abc"}, "event", "does not exist"),
        ({"body_en": ""}, "body_en", "Write the text that goes with this subject"),
        ({"subject_fr": ""}, "subject_fr", "Write a subject for this text"),
    ],
)
def test_bad_messages_are_refused_with_clear_errors(
    overrides, field, error, coordinator, student, lille, in_section
):
    response = coordinator.post("/coordinator/messages/new/", message_data(**overrides))
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    assert error in response.content.decode()
    with in_section(lille):
        assert not Message.objects.exists()


def test_a_message_in_no_language_is_refused(coordinator, student, lille, in_section):
    response = coordinator.post(
        "/coordinator/messages/new/",
        message_data(subject_en="", body_en="", subject_fr="", body_fr=""),
    )
    assert "Write the message in at least one language" in response.content.decode()
    with in_section(lille):
        assert not Message.objects.exists()


def test_a_group_that_all_unsubscribed_gets_only_essential_messages(
    coordinator, student, lille, in_section
):
    with in_section(lille):
        services.unsubscribe(student)
    refused = coordinator.post("/coordinator/messages/new/", message_data())
    assert "unsubscribed from news" in refused.content.decode()
    accepted = coordinator.post("/coordinator/messages/new/", message_data(essential="on"))
    assert accepted.status_code == 302


def test_a_segment_emptied_after_writing_is_refused_at_sending(
    coordinator, message, student, lille, in_section
):
    with in_section(lille):
        student.status = "withdrawn"
        student.save()
    review = coordinator.get(f"/coordinator/messages/{message.pk}/").content.decode()
    assert "Nobody in this group can receive the message now" in review
    sent = coordinator.post(f"/coordinator/messages/{message.pk}/send/", follow=True)
    assert "it was not sent" in sent.content.decode()
    with in_section(lille):
        assert Message.objects.get().status == "draft"
        assert not MessageDelivery.objects.exists()


def test_unsubscribe_from_the_link(student, lille, in_section, lille_client):
    with in_section(lille):
        token = unsubscribe.make_token(student)
    page = lille_client.get(f"/unsubscribe/{token}/")
    assert page.status_code == 200 and "Unsubscribe" in page.content.decode()
    with in_section(lille):
        assert not MessagePreference.objects.filter(unsubscribed_at__isnull=False).exists()
    done = lille_client.post(f"/unsubscribe/{token}/", {"action": "unsubscribe"})
    assert "You are unsubscribed" in done.content.decode()
    with in_section(lille):
        assert MessagePreference.objects.get().profile == student
    back = lille_client.post(f"/unsubscribe/{token}/", {"action": "resubscribe"})
    assert "you receive the section's news again" in back.content.decode()
    with in_section(lille):
        assert MessagePreference.objects.get().unsubscribed_at is None


def test_the_unsubscribe_page_speaks_the_students_language(lille, in_section, lille_client):
    with in_section(lille):
        token = unsubscribe.make_token(ProfileFactory(language="en"))
    lille_client.cookies["django_language"] = "fr"
    assert "Unsubscribe" in lille_client.get(f"/unsubscribe/{token}/").content.decode()


def test_one_click_unsubscribe_from_a_mail_client(student, lille, in_section):
    with in_section(lille):
        token = unsubscribe.make_token(student)
    mail_client = Client(HTTP_HOST=lille.host, enforce_csrf_checks=True)
    response = mail_client.post(f"/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with in_section(lille):
        assert MessagePreference.objects.get(profile=student).unsubscribed_at is not None


def test_forged_and_foreign_tokens_are_refused(
    student, lille, paris, in_section, lille_client, paris_client
):
    from django.core import signing

    with in_section(lille):
        other = ProfileFactory()
        token = unsubscribe.make_token(student)
    lille_client.cookies["django_language"] = "en"
    forged = signing.dumps({"s": "lille", "p": other.pk}, salt="wrong-salt")
    with in_section(lille):
        other_token = unsubscribe.make_token(other)
    # the other student's id with this student's signature
    tampered = f"{other_token.rsplit(':', 1)[0]}:{token.rsplit(':', 1)[1]}"
    for bad in (forged, tampered, token[:-3], "nonsense"):
        response = lille_client.post(f"/unsubscribe/{bad}/", {"action": "unsubscribe"})
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    # a lille link on paris's host
    assert paris_client.post(f"/unsubscribe/{token}/").status_code == 400
    with in_section(lille):
        assert not MessagePreference.objects.exists()


def test_a_draft_for_a_deleted_event_says_so(coordinator, student, lille, in_section, make_event):
    with in_section(lille):
        event = make_event()
        message = Message.objects.create(
            **message_data(segment="event_attendees", parameter=str(event.pk))
        )
        event.delete()
    review = coordinator.get(f"/coordinator/messages/{message.pk}/").content.decode()
    assert "This event does not exist." in review
    sent = coordinator.post(f"/coordinator/messages/{message.pk}/send/", follow=True)
    assert "This event does not exist." in sent.content.decode()
    with in_section(lille):
        assert Message.objects.get().status == "draft"
