"""/api/v1/me/…: a student's own profile, programme status, withdrawal, data and deletion,
through the account pages' services: the same rules, rows, emails and audit."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from clients import section_client
from core import selectors
from core.accounts.models import User
from core.models import AuditEvent, Profile
from factories import HobbyFactory, PairFactory, ProfileFactory
from matching.disclosure import buddy_contact
from matching.models import Pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(lille, in_section):
    with in_section(lille):
        return ProfileFactory(user__email="ana@example.org", user__first_name="Ana")


@pytest.fixture
def client(lille, ana):
    return section_client(lille, ana.user)


def reload(lille, in_section, profile: Profile) -> Profile:
    with in_section(lille):
        return Profile.objects.select_related("user").get(pk=profile.pk)


def test_a_student_reads_their_own_profile_and_nothing_of_another(client, lille, ana, in_section):
    with in_section(lille):
        other = ProfileFactory(user__email="someone.else@example.org", faculty="Dentistry")
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "ana@example.org" and body["id"] == ana.pk
    assert body["role"] == "incoming" and body["home_university"] == "Universidad de Granada"
    assert body["place_of_study"]["name"] == ana.place_of_study.name
    assert sorted(row["language"] for row in body["languages"]) == ["en", "es"]
    assert other.user.email not in response.text and "Dentistry" not in response.text


def test_a_patch_changes_what_it_names_through_the_profile_form(client, lille, ana, in_section):
    with in_section(lille):
        hobby = HobbyFactory(name="Cooking")
    response = client.patch(
        "/api/v1/me/",
        {
            "faculty": "Medicine",
            "hobbies": [hobby.pk],
            "languages": [{"language": "it", "level": "basic"}],
            "first_name": "Ana\nMaría",  # a name keeps to one line, as on the web page
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["faculty"] == "Medicine"
    assert response.json()["hobbies"] == [{"id": hobby.pk, "name": "Cooking"}]
    saved = reload(lille, in_section, ana)
    with in_section(lille):
        assert saved.faculty == "Medicine" and saved.home_university == "Universidad de Granada"
        assert list(saved.languages.values_list("language", "level")) == [("it", "basic")]
        assert saved.user.first_name == "Ana María"


def test_a_put_needs_the_whole_profile(client):
    response = client.put("/api/v1/me/", {"faculty": "Medicine"}, content_type="application/json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert {"birth_date", "gender", "languages", "arrival_date"} <= set(fields)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"departure_date": "2000-01-01"}, "departure_date", "after your arrival"),
        ({"birth_date": "2024-01-01"}, "birth_date", "between 16 and 99"),
        ({"birth_date": "not a date"}, "birth_date", "valid date"),
        ({"place_of_study": 999999}, "place_of_study", "valid choice"),
        ({"gender": "robot"}, "gender", "valid choice"),
        ({"languages": []}, "languages", "at least one language"),
        (
            {"languages": [{"language": "fr", "level": "basic"}] * 2},
            "languages",
            "Each language once",
        ),
        ({"languages": [{"language": "fr", "level": "superb"}]}, "languages", "valid choice"),
    ],
)
def test_a_bad_change_is_a_400_naming_the_field_and_changes_nothing(
    client, lille, ana, in_section, body, field, words
):
    response = client.patch(
        "/api/v1/me/", {"faculty": "Medicine", **body}, content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid" and list(error["fields"]) == [field]
    assert words in str(error["fields"][field])
    assert reload(lille, in_section, ana).faculty == "Law"


def test_a_body_that_is_no_object_is_a_400(client):
    response = client.patch("/api/v1/me/", [1, 2], content_type="application/json")
    assert response.status_code == 400 and "non_field_errors" in response.json()["fields"]


def test_the_other_roles_fields_are_ignored(lille, in_section):
    with in_section(lille):
        buddy = ProfileFactory(buddy=True)
    response = section_client(lille, buddy.user).patch(
        "/api/v1/me/",
        {"home_university": "Sorbonne", "capacity": 3},
        content_type="application/json",
    )
    assert response.status_code == 200
    saved = reload(lille, in_section, buddy)
    assert saved.capacity == 3 and saved.home_university == ""


def test_no_buddy_contact_before_the_pair_then_exactly_what_the_account_page_shows(
    client, lille, ana, in_section
):
    waiting = client.get("/api/v1/me/programme/").json()
    assert waiting == {"state": "waiting", "reason": "", "buddies": []}
    with in_section(lille):
        buddy = ProfileFactory(buddy=True, user__email="lucas@example.org")
        PairFactory(incoming=ana, buddy=buddy)
        contact = buddy_contact(Profile.objects.select_related("user").get(pk=buddy.pk))
    matched = client.get("/api/v1/me/programme/").json()
    assert matched["state"] == "matched"
    assert matched["buddies"] == [
        {
            "name": contact.name,
            "email": "lucas@example.org",
            "phone": contact.phone,
            "instagram": contact.instagram,
        }
    ]
    page = client.get("/account/").text
    assert all(value in page for value in matched["buddies"][0].values())
    # nothing else of the buddy: not their birth date, nationality or faculty
    assert buddy.birth_date.isoformat() not in str(matched) and "FR" not in str(matched)


def test_an_ended_pair_discloses_nothing_more(client, lille, ana, in_section):
    with in_section(lille):
        buddy = ProfileFactory(buddy=True, user__email="lucas@example.org")
        PairFactory(incoming=ana, buddy=buddy, ended_at=timezone.now())
    response = client.get("/api/v1/me/programme/")
    assert response.json()["buddies"] == [] and "lucas@example.org" not in response.text


def test_withdrawing_ends_the_pair_and_tells_the_buddy_in_their_language_once_per_key(
    client, lille, ana, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        buddy = ProfileFactory(buddy=True, user__email="lucas@example.org", language="fr")
        pair = PairFactory(incoming=ana, buddy=buddy)
    headers = {"HTTP_IDEMPOTENCY_KEY": "withdraw-1"}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/api/v1/me/withdraw/", **headers)
        again = client.post("/api/v1/me/withdraw/", **headers)
    assert first.status_code == again.status_code == 200
    assert first.json()["state"] == "withdrawn" and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    with in_section(lille):
        pair.refresh_from_db()
        assert pair.ended_at is not None and pair.end_reason == Pair.EndReason.WITHDREW
        assert Profile.objects.get(pk=ana.pk).status == Profile.Status.WITHDRAWN
        assert AuditEvent.objects.filter(action="pair_ended", actor=ana.user).count() == 1
    assert [message.to for message in mail.outbox] == [["lucas@example.org"]]
    assert mail.outbox[0].subject.startswith("Votre binôme a pris fin")


def test_rejoining_after_withdrawing_but_not_after_being_deactivated(
    client, lille, ana, in_section
):
    client.post("/api/v1/me/withdraw/")
    response = client.post("/api/v1/me/rejoin/")
    assert response.status_code == 200 and response.json()["state"] == "waiting"
    assert reload(lille, in_section, ana).status == Profile.Status.ACTIVE

    with in_section(lille):
        Profile.objects.filter(pk=ana.pk).update(status=Profile.Status.DEACTIVATED)
    refused = client.post("/api/v1/me/rejoin/")
    assert refused.status_code == 400 and "coordinators" in refused.json()["message"]
    client.post("/account/rejoin/")  # nor through the web page
    assert reload(lille, in_section, ana).status == Profile.Status.DEACTIVATED


def test_the_data_download_is_the_web_pages_and_is_logged(client, lille, ana, in_section):
    response = client.get("/api/v1/me/data/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    with in_section(lille):
        exports = AuditEvent.objects.filter(action=AuditEvent.Action.DATA_EXPORTED, actor=ana.user)
        assert exports.count() == 1
        expected = selectors.personal_data(User.objects.get(pk=ana.user_id))
    assert response.json() == expected
    assert response.json()["profile"]["home_university"] == "Universidad de Granada"


def test_deleting_needs_the_password_and_an_explicit_confirmation(client, lille, ana, in_section):
    for body, fields in [
        ({}, {"password", "confirm"}),
        ({"password": "long-enough-pass", "confirm": False}, {"confirm"}),
        ({"password": "wrong", "confirm": True}, {"password"}),
    ]:
        response = client.post("/api/v1/me/delete/", body, content_type="application/json")
        assert response.status_code == 400 and set(response.json()["fields"]) == fields
    with in_section(lille):
        assert User.objects.filter(pk=ana.user_id).exists()


def test_deleting_erases_the_account_tells_the_buddy_and_logs_out(
    client, lille, ana, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        buddy = ProfileFactory(buddy=True, user__email="lucas@example.org")
        pair = PairFactory(incoming=ana, buddy=buddy, confirmed_at=timezone.now() - timedelta(1))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/me/delete/",
            {"password": "long-enough-pass", "confirm": True},
            content_type="application/json",
        )
    assert response.status_code == 204
    with in_section(lille):
        assert not User.objects.filter(email="ana@example.org").exists()
        assert Pair.objects.get(pk=pair.pk).end_reason == Pair.EndReason.ACCOUNT_DELETED
        assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCOUNT_DELETED).exists()
    assert [message.to for message in mail.outbox] == [["lucas@example.org"]]
    assert client.get("/api/v1/me/").status_code == 401  # the session went with the account


def test_a_coordinator_has_no_me(coordinator):
    response = coordinator.get("/api/v1/me/")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_the_options_are_the_edit_forms_and_a_put_with_them_saves(client, lille, ana, in_section):
    with in_section(lille):
        HobbyFactory(name="Cooking")
        HobbyFactory(name="Chess", is_active=False)  # switched off: not offered
    options = client.get("/api/v1/me/options/").json()
    hobbies = {hobby["name"]: hobby["id"] for hobby in options["hobbies"]}
    assert "Cooking" in hobbies and "Chess" not in hobbies
    assert ana.place_of_study.pk in [place["id"] for place in options["places_of_study"]]

    whole = client.get("/api/v1/me/").json()
    body = {
        **{name: whole[name] for name in ("first_name", "last_name", "birth_date", "gender")},
        **{name: whole[name] for name in ("nationality", "faculty", "study_level", "language")},
        **{name: whole[name] for name in ("home_university", "arrival_date", "departure_date")},
        "place_of_study": options["places_of_study"][0]["id"],
        "hobbies": [hobbies["Cooking"]],
        "preferred_buddy_gender": "same",
        "languages": [{"language": "fr", "level": "native"}],
    }
    response = client.put("/api/v1/me/", body, content_type="application/json")
    assert response.status_code == 200, response.json()
    saved = reload(lille, in_section, ana)
    with in_section(lille):
        assert saved.preferred_buddy_gender == "same" and saved.about == ""  # left out: empty
        assert saved.phone == "" and list(saved.hobbies.values_list("name", flat=True)) == [
            "Cooking"
        ]
