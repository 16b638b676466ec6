"""The messages API: drafts checked by the page's form, the review, one sending, its counts."""

import pytest
from django.core import mail

from core.events import services
from core.events.emails import MESSAGE_EMAIL
from core.events.models import Message, MessageDelivery
from core.models import AuditEvent
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from factories import MessageFactory, ProfileFactory

pytestmark = pytest.mark.django_db

DRAFT = {
    "segment": "all_incoming",
    "subject_en": "Welcome drinks",
    "body_en": "Hello {first_name}!",
    "subject_fr": "Pot d'accueil",
    "body_fr": "Bonjour {first_name} !",
}


def post(client, url: str, body: dict | None = None, **extra):
    return client.post(url, body or {}, content_type="application/json", **extra)


@pytest.fixture
def incoming(lille, in_section):
    """Two incoming students who can receive messages, a buddy, one unverified student."""
    with in_section(lille):
        students = [ProfileFactory(user__first_name=name) for name in ("Ana", "Louis")]
        ProfileFactory(buddy=True)
        ProfileFactory(email_verified_at=None)
    return students


def test_a_draft_is_written_and_reviewed_with_who_it_would_reach(
    lille, coordinator, coordinator_user, incoming, in_section
):
    response = post(coordinator, "/api/v1/messages/", DRAFT)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["segment_label"] == "All incoming students"
    assert body["recipients"] == {"segment_size": 2, "unsubscribed": 0, "deliverable": 2}
    assert body["segment_error"] == ""
    assert body["created_by"] == coordinator_user.email
    with in_section(lille):
        assert Message.objects.get(pk=body["id"]).subject_fr == "Pot d'accueil"
        assert not OutboxMessage.objects.filter(name=MESSAGE_EMAIL).exists()
    review = coordinator.get(f"/api/v1/messages/{body['id']}/").json()
    assert review == body


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"subject_en": "", "body_en": "", "subject_fr": "", "body_fr": ""}, {"non_field_errors"}),
        ({"body_en": ""}, {"body_en"}),
        ({"segment": "everybody"}, {"segment"}),
        ({"segment": "incoming_arriving", "month": "2026-13"}, {"month"}),
        ({"segment": "event_attendees", "event": 999999}, {"event"}),
        ({"segment": "all_buddies", "essential": "often"}, {"essential"}),
        ({"segment": "incoming_arriving", "month": "2030-01"}, {"segment"}),  # nobody in it
    ],
)
def test_what_the_page_refuses_is_a_400_naming_the_fields(
    lille, coordinator, incoming, in_section, change, fields
):
    response = post(coordinator, "/api/v1/messages/", {**DRAFT, **change})
    assert response.status_code == 400, response.content
    assert set(response.json()["fields"]) == fields
    with in_section(lille):
        assert not Message.objects.exists()


def test_a_draft_changes_and_a_sent_message_does_not(lille, coordinator, incoming, in_section):
    draft = post(coordinator, "/api/v1/messages/", DRAFT).json()
    url = f"/api/v1/messages/{draft['id']}/"
    changed = coordinator.patch(
        url, {"subject_en": "Welcome party", "essential": True}, content_type="application/json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["subject_en"] == "Welcome party"
    assert changed.json()["body_fr"] == "Bonjour {first_name} !"  # kept
    assert changed.json()["essential"] is True
    with in_section(lille):
        services.send_message(draft["id"], None)
    refused = coordinator.patch(url, {"subject_en": "Too late"}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "already_sent"
    with in_section(lille):
        assert Message.objects.get(pk=draft["id"]).subject_en == "Welcome party"


def test_a_message_is_sent_once_even_when_retried_and_its_counts_follow_the_outbox(
    lille, coordinator, coordinator_user, incoming, in_section
):
    draft = post(coordinator, "/api/v1/messages/", DRAFT).json()
    url = f"/api/v1/messages/{draft['id']}/send/"
    first = post(coordinator, url, HTTP_IDEMPOTENCY_KEY="welcome-2026")
    again = post(coordinator, url, HTTP_IDEMPOTENCY_KEY="welcome-2026")
    assert first.status_code == again.status_code == 202, first.content
    assert again["Idempotent-Replayed"] == "true"
    sending = first.json()
    assert sending["status"] == "sending"
    assert sending["recipients"] is None  # frozen: the delivery counts say the rest
    assert sending["delivery"] == {
        "recipients": 2,
        "sent": 0,
        "pending": 2,
        "failed": 0,
        "skipped": 0,
        "progress": 0,
    }
    with in_section(lille):
        assert OutboxMessage.objects.filter(name=MESSAGE_EMAIL).count() == 2
        sent = AuditEvent.objects.filter(action=services.MESSAGE_SENT)
        assert sent.get().actor == coordinator_user
        outbox.relay()
    assert sorted(email.to[0] for email in mail.outbox) == sorted(s.user.email for s in incoming)
    review = coordinator.get(f"/api/v1/messages/{draft['id']}/").json()
    assert review["status"] == "sent"
    assert review["delivery"]["sent"] == 2
    assert review["delivery"]["pending"] == 0
    assert review["delivery"]["progress"] == 100
    # without a key, a second send is refused: it was sent
    later = post(coordinator, url)
    assert later.status_code == 409
    assert len(mail.outbox) == 2


def test_the_recipients_of_a_sending_with_their_state(lille, coordinator, incoming, in_section):
    with in_section(lille):
        message = MessageFactory()
        services.send_message(message.pk, None)
        delivery = MessageDelivery.objects.get(message=message, profile=incoming[0])
        MessageDelivery.objects.filter(pk=delivery.pk).update(status="failed", error="SMTP 550")
    url = f"/api/v1/messages/{message.pk}/deliveries/"
    rows = coordinator.get(url).json()["results"]
    assert sorted(r["profile_id"] for r in rows) == sorted(s.pk for s in incoming)
    failed = coordinator.get(url, {"status": "failed"}).json()["results"]
    assert [(r["email"], r["error"]) for r in failed] == [(incoming[0].user.email, "SMTP 550")]
    assert coordinator.get(url, {"status": "lost"}).status_code == 400


def test_the_list_holds_this_sections_messages(lille, paris, coordinator, in_section):
    with in_section(lille):
        ours = MessageFactory(subject_en="Lille news")
    with in_section(paris):
        MessageFactory(subject_en="Paris news")
    response = coordinator.get("/api/v1/messages/")
    assert [m["id"] for m in response.json()["results"]] == [ours.pk]
    assert "Paris news" not in response.content.decode()
