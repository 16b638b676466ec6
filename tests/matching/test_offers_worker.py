"""The offers' periodic task on a real worker: beat's fan-out starts it in every section, and
each section expires its own offers only."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django_tenants.utils import schema_context

from config.celery import publish
from core.accounts.models import User
from core.models import AuditEvent, PlaceOfStudy, Profile, ProfileLanguage
from factories import ProfileFactory
from matching.models import ForbiddenPair, Offer

pytestmark = pytest.mark.celery_worker

# what the test adds to Paris, in the order it is removed (rows after the last id before)
PARIS_ROWS = [ForbiddenPair, Offer, AuditEvent, ProfileLanguage, Profile, User, PlaceOfStudy]


def last_pk(model) -> int:
    return model.objects.aggregate(top=Max("pk"))["top"] or 0


def due_offer() -> Offer:
    return Offer.objects.create(
        incoming=ProfileFactory(),
        buddy=ProfileFactory(buddy=True),
        expires_at=timezone.now() - timedelta(minutes=1),
    )


def wait_until_closed(offer: Offer, deadline: float) -> Offer:
    while Offer.objects.get(pk=offer.pk).is_pending:
        assert time.monotonic() < deadline, "the worker never expired the offer"
        time.sleep(0.2)
    return Offer.objects.get(pk=offer.pk)


def test_the_beat_fan_out_expires_each_sections_due_offers_in_that_section(
    celery_worker, committed_lille, django_db_blocker
):
    with django_db_blocker.unblock():
        with schema_context("lille"):
            lille_offer = due_offer()
            not_due = Offer.objects.create(
                incoming=ProfileFactory(),
                buddy=ProfileFactory(buddy=True),
                expires_at=timezone.now() + timedelta(days=1),
            )
        with schema_context("paris"):
            before = {model: last_pk(model) for model in PARIS_ROWS}
            paris_offer = due_offer()
        try:
            connection.set_schema_to_public()
            publish("tenants.tasks.run_in_every_section", "matching.offers.tasks.expire_offers")
            deadline = time.monotonic() + 60
            with schema_context("paris"):
                assert wait_until_closed(paris_offer, deadline).status == "expired"
                assert ForbiddenPair.objects.filter(incoming=paris_offer.incoming).exists()
            with schema_context("lille"):
                assert wait_until_closed(lille_offer, deadline).status == "expired"
                assert Offer.objects.get(pk=not_due.pk).is_pending
                assert ForbiddenPair.objects.filter(incoming=lille_offer.incoming).count() == 1
        finally:
            with schema_context("paris"):  # committed_lille cleans Lille; Paris is ours
                for model in PARIS_ROWS:
                    model.objects.filter(pk__gt=before[model]).delete()
