"""A message sent from lille: its outbox relay goes through Redis to a real worker, which
sends it in lille."""

import time

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from core.events import services
from core.events.models import Message
from core.outbox.models import OutboxMessage
from factories import ProfileFactory

pytestmark = pytest.mark.celery_worker


def test_a_message_is_sent_by_a_real_worker_in_its_section(
    celery_worker, committed_lille, django_db_blocker
):
    _queue, outbox = celery_worker
    with django_db_blocker.unblock(), schema_context("lille"):
        ProfileFactory(language="en", user__email="worker-en@example.org")
        ProfileFactory(language="fr", user__email="worker-fr@example.org")
        message = Message.objects.create(
            segment="all_incoming",
            subject_en="Hello from the worker",
            body_en="Hello {first_name}",
            subject_fr="Bonjour du worker",
            body_fr="Bonjour {first_name}",
        )
        # autocommit: the outbox rows are committed and the relay is kicked at once
        services.send_message(message.pk, None)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            message.refresh_from_db()
            if message.status == "sent":
                break
            time.sleep(0.2)
        assert (message.status, message.sent_count) == ("sent", 2)
        rows = OutboxMessage.objects.filter(key__startswith=f"message:{message.pk}:")
        assert set(rows.values_list("status", "attempts")) == {("sent", 1)}
        assert rows.count() == 2
    assert mail.outbox == []  # nothing was sent by this process: the worker sent both
    emails = [path.read_text() for path in outbox.iterdir()]
    text = "\n".join(emails)
    assert text.count("Subject: ") == 2
    assert "Subject: Hello from the worker" in text
    assert "Subject: Bonjour du worker" in text
    assert "lille.localhost/unsubscribe/" in text
    assert text.count("To: worker-") == 2
