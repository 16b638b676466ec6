"""The offers' endpoints: a buddy lists and answers their own offers; coordinators list them
by status and withdraw one. The generic suites (test_endpoints.py) cover the refusals."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from clients import section_client
from factories import ProfileFactory
from matching.models import ForbiddenPair, Offer, Pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(lille, in_section):
    with in_section(lille):
        return Offer.objects.create(
            incoming=ProfileFactory(user__first_name="Ana", user__last_name="Secretname"),
            buddy=ProfileFactory(buddy=True),
            score=120,
            details={"shared_languages": ["en"], "age_difference": 3},
            expires_at=timezone.now() + timedelta(days=5),
        )


def test_a_buddy_lists_their_offers_with_only_what_an_offer_shows(lille, offer, client_for):
    answer = client_for(lille, offer.buddy.user).get("/api/v1/offers/")
    assert answer.status_code == 200
    [row] = answer.json()["results"]
    assert row["id"] == offer.pk and row["status"] == "pending"
    assert row["student"]["first_name"] == "Ana" and row["student"]["nationality"] == "ES"
    assert row["reasons"] == ["both speak English"]  # no age difference for the buddy
    body = answer.content.decode()
    assert "Secretname" not in body and offer.incoming.user.email not in body
    # another buddy sees none of it
    other = client_for(lille, ProfileFactory(buddy=True).user).get("/api/v1/offers/")
    assert other.json()["results"] == []


def test_a_buddy_accepts_through_the_api(
    lille, in_section, offer, django_capture_on_commit_callbacks
):
    client = section_client(lille, offer.buddy.user)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/api/v1/offers/{offer.pk}/accept/")
    assert answer.status_code == 200, answer.content
    with in_section(lille):
        pair = Pair.objects.get()
        assert answer.json() == {
            "id": offer.pk,
            "status": "accepted",
            "decided_at": answer.json()["decided_at"],
            "decline_reason": "",
            "pair": pair.pk,
        }
        assert pair.origin == Pair.Origin.OFFER
    assert len(mail.outbox) == 2
    again = client.post(f"/api/v1/offers/{offer.pk}/accept/")
    assert again.status_code == 409 and again.json()["code"] == "offer_closed"
    assert again.json()["message"] == "This offer was already accepted."


def test_a_buddy_declines_through_the_api_with_a_reason(lille, in_section, offer):
    client = section_client(lille, offer.buddy.user)
    too_long = client.post(
        f"/api/v1/offers/{offer.pk}/decline/",
        {"reason": "x" * 301},
        content_type="application/json",
    )
    assert too_long.status_code == 400 and "reason" in too_long.json()["fields"]
    answer = client.post(
        f"/api/v1/offers/{offer.pk}/decline/",
        {"reason": "Away in May"},
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert (
        answer.json()["status"] == "declined" and answer.json()["decline_reason"] == "Away in May"
    )
    with in_section(lille):
        assert ForbiddenPair.objects.filter(incoming=offer.incoming, buddy=offer.buddy).exists()


def test_an_expired_offer_is_a_conflict_and_someone_elses_is_not_found(lille, in_section, offer):
    with in_section(lille):
        Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(hours=1))
        other = section_client(lille, ProfileFactory(buddy=True).user)
    assert other.post(f"/api/v1/offers/{offer.pk}/accept/").status_code == 404
    answer = section_client(lille, offer.buddy.user).post(f"/api/v1/offers/{offer.pk}/accept/")
    assert answer.status_code == 409 and "expired" in answer.json()["message"]
    with in_section(lille):
        assert Offer.objects.get().status == Offer.Status.EXPIRED


def test_coordinators_list_offers_by_status_and_withdraw(lille, in_section, offer, coordinator):
    listed = coordinator.get("/api/v1/coordinator/offers/?status=pending").json()
    assert [row["id"] for row in listed["results"]] == [offer.pk]
    assert coordinator.get("/api/v1/coordinator/offers/?status=declined").json()["count"] == 0
    bad = coordinator.get("/api/v1/coordinator/offers/?status=nonsense")
    assert bad.status_code == 400 and "status" in bad.json()["fields"]
    withdrawn = coordinator.post(f"/api/v1/coordinator/offers/{offer.pk}/withdraw/")
    assert withdrawn.json() == {"id": offer.pk, "status": "withdrawn"}
    again = coordinator.post(f"/api/v1/coordinator/offers/{offer.pk}/withdraw/")
    assert again.status_code == 409
