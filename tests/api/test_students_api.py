"""The coordinators' students API: the page's list and filters, a student, notes, (de)activation."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api_clients import ids, token_client
from core import services as core_services
from core.models import AuditEvent, CoordinatorNote, Profile
from core.outbox.models import OutboxMessage
from core.signin.models import ExternalIdentity
from factories import HobbyFactory, PairFactory, PlaceOfStudyFactory, ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(lille, paris, in_section):
    """Lille's students of every kind, and one of Paris's."""
    today = timezone.localdate()
    with in_section(lille):
        campus = PlaceOfStudyFactory(name="IMT Nord Europe")
        hiking = HobbyFactory(name="Hiking")
        ana = ProfileFactory(
            user__first_name="Ana", user__last_name="García", nationality="ES", languages=["es"]
        )
        ana.hobbies.add(hiking)
        olga = ProfileFactory(
            user__first_name="Olga",
            nationality="UA",
            email_verified_at=None,
            place_of_study=campus,
            arrival_date=today.replace(day=1) + timedelta(days=62),
        )
        lucas = ProfileFactory(buddy=True, user__first_name="Lucas", user__email="lucas@x.org")
        paired = PairFactory(buddy=lucas)
        gone = ProfileFactory(status=Profile.Status.WITHDRAWN, nationality="IT")
        people = {
            "ana": ana,
            "olga": olga,
            "lucas": lucas,
            "paired": paired.incoming,
            "gone": gone,
            "campus": campus,
            "hiking": hiking,
            "pair": paired,
        }
    with in_section(paris):
        people["paris"] = ProfileFactory(user__first_name="Pierre", nationality="ES")
    return people


FILTERS = [
    {},
    {"role": "buddy"},
    {"role": "incoming", "state": "waiting"},
    {"state": "unverified"},
    {"state": "matched"},
    {"state": "withdrawn"},
    {"nationality": "ES"},
    {"language": "es"},
    {"search": "garc"},
    {"sort": "name"},
    {"sort": "arrival", "role": "incoming"},
]


@pytest.mark.parametrize("query", FILTERS)
def test_the_list_is_the_pages_list_with_the_same_filters(coordinator, people, query):
    page = coordinator.get("/coordinator/students/", query)
    expected = [profile.pk for profile in page.context["page"]]
    response = coordinator.get("/api/v1/students/", query)
    assert ids(response) == expected
    assert people["paris"].user.email not in response.content.decode()  # Paris's own


def test_filters_by_place_of_study_arrival_month_and_hobby(coordinator, people):
    olga, ana = people["olga"], people["ana"]
    month = f"{olga.arrival_date:%Y-%m}"
    assert ids(coordinator.get("/api/v1/students/", {"place_of_study": people["campus"].pk})) == [
        olga.pk
    ]
    assert olga.pk in ids(coordinator.get("/api/v1/students/", {"arrival_month": month}))
    assert ids(coordinator.get("/api/v1/students/", {"hobby": people["hiking"].pk})) == [ana.pk]


def test_a_row_says_what_the_page_says(coordinator, people):
    rows = {row["id"]: row for row in coordinator.get("/api/v1/students/").json()["results"]}
    assert rows[people["olga"].pk]["state"] == "unverified"
    assert rows[people["paired"].pk]["state"] == "matched"
    assert rows[people["ana"].pk]["state"] == "waiting"
    assert rows[people["gone"].pk]["state"] == "withdrawn"
    ana = rows[people["ana"].pk]
    assert ana["first_name"] == "Ana"
    assert ana["nationality"] == "ES"
    assert ana["email_verified"] is True
    assert "phone" not in ana  # the list is the page's table; the detail has the rest


def test_a_page_of_students_costs_the_same_queries_whatever_its_length(
    lille, coordinator, people, in_section
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert coordinator.get("/api/v1/students/").status_code == 200
        return len(captured)

    queries()  # the session, the section's settings: read once
    few = queries()
    with in_section(lille):
        for _ in range(10):
            ProfileFactory()
    assert queries() == few


def test_bad_filters_are_a_400_naming_them(coordinator, people):
    response = coordinator.get(
        "/api/v1/students/", {"role": "teacher", "place_of_study": 999999, "arrival_month": "x"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"role", "place_of_study", "arrival_month"}


def test_the_list_works_with_a_token_and_pages(lille, coordinator_user, people):
    client = token_client(lille, coordinator_user, scope="read")
    body = client.get("/api/v1/students/", {"page_size": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"]


def test_the_detail_shows_the_profile_and_pairs(lille, coordinator, people, in_section):
    lucas = people["lucas"]
    with in_section(lille):
        ExternalIdentity.objects.create(
            user=lucas.user, provider="esn", subject="lucas-esn", home_organization="univ-lille.fr"
        )
    body = coordinator.get(f"/api/v1/students/{lucas.pk}/").json()
    assert [(s["provider"], s["home_organization"]) for s in body["sign_in_services"]] == [
        ("esn", "univ-lille.fr")
    ]
    assert body["email"] == "lucas@x.org"
    assert body["role"] == "buddy"
    assert body["capacity"] == 2
    assert body["phone"] == "+33 6 00 00 00 00"
    assert body["languages"] == [
        {"language": "es", "level": "fluent"},
        {"language": "en", "level": "fluent"},
    ]
    partner = people["paired"]
    assert body["pairs"] == [
        {
            "id": people["pair"].pk,
            "partner_id": partner.pk,
            "partner_name": partner.user.get_full_name(),
            "confirmed_at": body["pairs"][0]["confirmed_at"],
            "ended_at": None,
            "end_reason": "",
            "end_note": "",
            "origin": people["pair"].origin,
        }
    ]
    assert coordinator.get(f"/api/v1/students/{people['ana'].pk}/").json()["hobbies"] == ["Hiking"]


def test_another_sections_student_does_not_exist_here(coordinator, people):
    response = coordinator.get(f"/api/v1/students/{people['paris'].pk}/")
    assert response.status_code == 404
    assert "Pierre" not in response.content.decode()


def test_notes_are_added_listed_and_audited(
    lille, coordinator, coordinator_user, people, in_section
):
    ana = people["ana"]
    response = coordinator.post(
        f"/api/v1/students/{ana.pk}/notes/",
        {"text": "  Arrives late  "},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["text"] == "Arrives late"
    assert response.json()["author"] == coordinator_user.email
    listed = coordinator.get(f"/api/v1/students/{ana.pk}/notes/").json()["results"]
    assert [note["text"] for note in listed] == ["Arrives late"]
    with in_section(lille):
        assert CoordinatorNote.objects.get().profile == ana
        assert AuditEvent.objects.filter(action=core_services.NOTE_ADDED).count() == 1
    empty = coordinator.post(
        f"/api/v1/students/{ana.pk}/notes/", {"text": ""}, content_type="application/json"
    )
    assert empty.status_code == 400
    assert list(empty.json()["fields"]) == ["text"]


def test_deactivation_ends_the_pairs_once_even_when_retried(lille, coordinator, people, in_section):
    incoming = people["paired"]
    url = f"/api/v1/students/{incoming.pk}/deactivate/"
    with in_section(lille):
        emails_before = OutboxMessage.objects.filter(kind="email").count()
    first = coordinator.post(url, HTTP_IDEMPOTENCY_KEY="deactivate-1")
    again = coordinator.post(url, HTTP_IDEMPOTENCY_KEY="deactivate-1")
    assert first.status_code == again.status_code == 200, first.content
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["status"] == "deactivated"
    with in_section(lille):
        incoming.refresh_from_db()
        people["pair"].refresh_from_db()
        assert incoming.status == Profile.Status.DEACTIVATED
        assert people["pair"].ended_at is not None
        assert OutboxMessage.objects.filter(kind="email").count() > emails_before
        emails_after = OutboxMessage.objects.filter(kind="email").count()
        deactivated = AuditEvent.objects.filter(action=AuditEvent.Action.PROFILE_DEACTIVATED)
        assert deactivated.count() == 1
    back = coordinator.post(f"/api/v1/students/{incoming.pk}/reactivate/")
    assert back.status_code == 200
    assert back.json()["status"] == "active"
    with in_section(lille):
        assert OutboxMessage.objects.filter(kind="email").count() == emails_after
        assert AuditEvent.objects.filter(action=AuditEvent.Action.PROFILE_REACTIVATED).count() == 1


def test_students_are_the_coordinators_only(lille, people, client_for, in_section):
    with in_section(lille):
        student = people["ana"].user
    client = client_for(lille, student)
    assert client.get("/api/v1/students/").status_code == 403
    assert client.get(f"/api/v1/students/{people['olga'].pk}/").status_code == 403
