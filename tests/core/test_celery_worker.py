"""A task crossing a real Redis broker to a real Celery worker process, in the right schema."""

import pytest

from celery_worker import wait_for_email
from core.accounts.models import User
from core.accounts.tasks import send_coordinator_invitation

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db]


def test_invitation_sent_from_lille_runs_in_lille_through_a_real_worker(
    celery_worker, lille, paris, in_section
):
    queue, outbox = celery_worker
    # Committed by the session setup, so the worker's own connection sees both coordinators.
    with in_section(lille):
        lille_id = User.objects.get(email="coordinator@lille.example.org").pk
        send_coordinator_invitation.apply_async(args=[lille_id], queue=queue)
    email = wait_for_email(outbox)
    assert "To: coordinator@lille.example.org" in email
    assert "lille.localhost/accounts/set-password/" in email
    assert "paris" not in email
