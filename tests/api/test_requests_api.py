"""GET /api/v1/requests/ and POST /api/v1/requests/{id}/take/: the page's requests as data,
with nothing the section hides (no key at all), and the page's refusals as 409s."""

import pytest
from django.core import mail

from choosing_helpers import buddy, incoming_student, set_policy
from clients import section_client
from factories import ProfileFactory
from matching.models import MatchingPolicy, Pair, RequestField

pytestmark = pytest.mark.django_db

ALWAYS = {"id", "fit", "reasons"}
KEYS = {
    RequestField.FIRST_NAME: {"first_name"},
    RequestField.NATIONALITY: {"nationality"},
    RequestField.LANGUAGES: {"languages"},
    RequestField.PLACE_OF_STUDY: {"place_of_study", "faculty"},
    RequestField.ARRIVAL_MONTH: {"arrival_month"},
    RequestField.HOBBIES: {"hobbies"},
    RequestField.NOTE: {"note"},
    RequestField.GENDER: {"gender"},
}
# what the student above holds that no request ever shows
PRIVATE = ["Surnameson", "ingrid.private", "Bergen", "Private words", "+47", "@ingrid", "2001"]


@pytest.mark.parametrize("shown", [[field] for field in RequestField.values] + [[]])
def test_a_request_in_the_api_has_the_keys_the_section_shows_and_no_other(shown, lille, in_section):
    with in_section(lille):
        set_policy(request_fields=shown)
        student = incoming_student()
        me = buddy()
    response = section_client(lille, me.user).get("/api/v1/requests/")
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["count"], body["picks_left"]) == ("open", 1, 2)
    [card] = body["results"]
    expected = ALWAYS.union(*(KEYS[field] for field in shown))
    assert set(card) == expected
    assert card["id"] == student.pk
    for text in [*PRIVATE, "birth", "email", '"age"', "surname", "last_name"]:
        assert text not in response.content.decode(), text
    if shown == [RequestField.ARRIVAL_MONTH]:
        assert card["arrival_month"] == student.arrival_date.strftime("%Y-%m")
    if shown == [RequestField.HOBBIES]:
        assert card["hobbies"] == ["Climbing"]


def test_the_api_lists_what_the_page_lists_in_the_same_order(lille, in_section):
    with in_section(lille):
        set_policy(request_fields=[RequestField.FIRST_NAME])
        me = buddy()
        incoming_student(user__first_name="Nolanguage", languages=["de"])
        for k in range(23):
            incoming_student(user__first_name=f"Student{k:02d}")
    client = section_client(lille, me.user)
    first = client.get("/api/v1/requests/").json()
    assert first["count"] == 23 and len(first["results"]) == 20 and first["previous"] is None
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 3 and second["next"] is None
    names = [card["first_name"] for card in first["results"] + second["results"]]
    assert "Nolanguage" not in names
    page = client.get("/requests/").text
    positions = [page.index(name) for name in names[:20]]
    assert positions == sorted(positions)


def test_taking_through_the_api(lille, in_section, django_capture_on_commit_callbacks):
    with in_section(lille):
        set_policy()
        student = incoming_student(user__email="ingrid.private@example.org")
        me = buddy()
        other = buddy()
    client = section_client(lille, me.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/requests/{student.pk}/take/")
    assert response.status_code == 201
    body = response.json()
    assert body["student"]["email"] == "ingrid.private@example.org"  # paired: disclosed
    with in_section(lille):
        assert Pair.objects.get(pk=body["pair"]).origin == "buddy_choice"
    assert len(mail.outbox) == 2
    late = section_client(lille, other.user).post(f"/api/v1/requests/{student.pk}/take/")
    assert late.status_code == 409
    assert late.json()["code"] == "taken" and "another buddy took" in late.json()["message"]
    assert section_client(lille, other.user).post("/api/v1/requests/999999/take/").status_code == (
        404
    )


def test_the_api_refuses_students_who_are_not_buddies_and_says_when_it_is_closed(
    lille, in_section, coordinator
):
    with in_section(lille):
        set_policy(matching_mode=MatchingPolicy.MatchingMode.BUDDIES_ACCEPT)
        student = incoming_student()
        me = buddy()
        incoming = ProfileFactory()
    closed = section_client(lille, me.user).get("/api/v1/requests/").json()
    assert (closed["state"], closed["results"]) == ("closed", [])
    take = section_client(lille, me.user).post(f"/api/v1/requests/{student.pk}/take/")
    assert take.status_code == 409 and take.json()["code"] == "closed"
    with in_section(lille):
        set_policy()
    not_a_buddy = section_client(lille, incoming.user).get("/api/v1/requests/").json()
    assert (not_a_buddy["state"], not_a_buddy["results"]) == ("not_a_buddy", [])
    take = section_client(lille, incoming.user).post(f"/api/v1/requests/{student.pk}/take/")
    assert take.status_code == 409 and take.json()["code"] == "not_a_buddy"
    refused = coordinator.get("/api/v1/requests/")
    assert refused.status_code == 403 and "Ingrid" not in refused.content.decode()
    anonymous = section_client(lille).get("/api/v1/requests/")
    assert anonymous.status_code in (401, 403)
