"""Kick on commit: the commit publishes the relay once, in the schema of the section that
wrote the rows; through a real broker, a registration committed in lille reaches a real
worker process, which sends the verification email in lille."""

import time

import pytest
from django.core import mail
from django.db import connection
from django_tenants.utils import schema_context

from celery_worker import wait_for_email
from clients import section_client
from config.celery import app as celery_app
from core.accounts.models import User
from core.emails import VERIFY_EMAIL
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from factories import ProfileFactory
from portal_helpers import make_catalogue, registration_data


@pytest.mark.django_db
def test_the_commit_kicks_the_relay_once_in_the_sections_schema(
    lille, paris, in_section, monkeypatch, django_capture_on_commit_callbacks
):
    # (also makes this module set up the test database when it runs alone)
    published = []
    monkeypatch.setattr(
        outbox, "publish", lambda name, *args: published.append((name, connection.schema_name))
    )
    for section in (lille, paris):
        # the commit's callbacks run once the block has left the section's schema
        with django_capture_on_commit_callbacks(execute=True), in_section(section):
            for _ in range(3):
                user = ProfileFactory(email_verified_at=None).user_id
                outbox.send_email(f"verify-email:{user}", VERIFY_EMAIL, user=user)
    # three rows per transaction, one kick each, published from the section's own schema
    assert published == [("core.outbox.tasks.relay", "lille"), ("core.outbox.tasks.relay", "paris")]


@pytest.mark.celery_worker
def test_a_committed_registration_is_verified_by_email_through_a_real_worker(
    celery_worker, committed_lille, django_db_blocker
):
    _queue, outbox_dir = celery_worker
    with django_db_blocker.unblock():
        assert not celery_app.conf.task_always_eager
        with schema_context("lille"):
            place, hobbies = make_catalogue()
        # autocommit: the registration commits in the request, which kicks the relay
        response = section_client(committed_lille).post(
            "/register/incoming/", registration_data("incoming", place, hobbies)
        )
        assert response.status_code == 302
        connection.set_schema_to_public()
        email = wait_for_email(outbox_dir)
        with schema_context("lille"):
            user = User.objects.get(email="ana@example.org")
            row = OutboxMessage.objects.get(key=f"verify-email:{user.pk}")
            deadline = time.monotonic() + 30
            while row.status == "pending" and time.monotonic() < deadline:
                time.sleep(0.2)
                row.refresh_from_db()
    connection.set_schema_to_public()
    assert (row.status, row.attempts) == ("sent", 1)
    assert mail.outbox == []  # the worker sent it, not this process
    assert email.count("Subject: ") == 1
    assert "To: ana@example.org" in email
    assert f"{committed_lille.portal_url}/verify/" in email
    assert len(list(outbox_dir.iterdir())) == 1  # once
