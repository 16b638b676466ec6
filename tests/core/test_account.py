import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from core.accounts.models import User
from core.models import Profile
from factories import HobbyFactory, ProfileFactory
from matching.models import Pair
from portal_helpers import registration_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def student(lille, in_section):
    with in_section(lille):
        return ProfileFactory(user__email="ana@example.org")


@pytest.fixture
def client(lille, student, in_section) -> Client:
    client = Client(HTTP_HOST=lille.host)
    client.cookies["django_language"] = "en"
    with in_section(lille):
        client.force_login(student.user)
    return client


def test_the_account_shows_the_profile_and_that_the_student_is_waiting(client, student):
    page = client.get("/account/").content.decode()
    assert student.user.get_full_name() in page
    assert "Universidad de Granada" in page
    assert "We are looking for a local buddy for you" in page


def test_an_unverified_student_can_have_the_link_sent_again(
    client, lille, student, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        Profile.objects.filter(pk=student.pk).update(email_verified_at=None)
    assert "Please confirm your email address" in client.get("/account/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/verify/resend/")
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]


def edit_data(student: Profile, **overrides) -> dict:
    data = registration_data("incoming", student.place_of_study, [], **overrides)
    for field in ("email", "password", "consent"):
        data.pop(field)
    return data


def test_a_student_edits_their_profile_and_languages(client, lille, student, in_section):
    with in_section(lille):
        hobby = HobbyFactory(name="Cooking")
    data = edit_data(
        student, faculty="Medicine", hobbies=[str(hobby.pk)], **{"languages-0-language": "it"}
    )
    response = client.post("/account/edit/", data)
    assert response.status_code == 302
    with in_section(lille):
        student.refresh_from_db()
        assert student.faculty == "Medicine"
        assert sorted(student.languages.values_list("language", flat=True)) == ["en", "it"]
        assert list(student.hobbies.values_list("name", flat=True)) == ["Cooking"]
        assert User.objects.get(pk=student.user_id).first_name == "Ana"


def test_a_bad_edit_changes_nothing(client, lille, student, in_section):
    before = edit_data(student)
    response = client.post(
        "/account/edit/",
        {
            **before,
            "faculty": "Medicine",
            "departure_date": "2000-01-01",
            "languages-0-language": "it",
        },
    )
    assert response.status_code == 200
    assert "after your arrival" in response.content.decode()
    with in_section(lille):
        student.refresh_from_db()
        assert student.faculty == "Law"
        assert sorted(student.languages.values_list("language", flat=True)) == ["en", "es"]


def test_the_edit_form_shows_the_current_profile(client):
    page = client.get("/account/edit/").content.decode()
    assert 'value="Law"' in page
    assert 'name="email"' not in page and 'name="password"' not in page


def test_withdrawing_leaves_the_pool_and_ends_the_pair_then_rejoining(
    client, lille, student, in_section
):
    with in_section(lille):
        buddy = ProfileFactory(buddy=True)
        pair = Pair.objects.create(incoming=student, buddy=buddy, confirmed_at=timezone.now())
    confirmation = client.get("/account/withdraw/")
    assert "your buddy gets an email" in confirmation.text
    with in_section(lille):  # asking changes nothing
        student.refresh_from_db()
        assert student.status == "active" and Pair.objects.get(pk=pair.pk).ended_at is None
    assert client.post("/account/withdraw/").status_code == 302
    with in_section(lille):
        student.refresh_from_db()
        pair.refresh_from_db()
    assert student.status == "withdrawn"
    assert pair.ended_at is not None and pair.end_reason == "withdrew"
    assert "You left the programme" in client.get("/account/").content.decode()

    client.post("/account/rejoin/")
    with in_section(lille):
        student.refresh_from_db()
    assert student.status == "active"


def test_leaving_is_confirmed_first(client):
    page = client.get("/account/").text
    assert 'action="/account/withdraw/"' in page and 'method="get"' in page
    assert client.head("/account/withdraw/").status_code == 200  # and changes nothing


@pytest.mark.parametrize(
    "path", ["/account/", "/account/edit/", "/account/export/", "/account/delete/"]
)
def test_account_pages_need_a_logged_in_student(lille, path, in_section):
    anonymous = Client(HTTP_HOST=lille.host)
    response = anonymous.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    coordinator = Client(HTTP_HOST=lille.host)
    with in_section(lille):
        coordinator.force_login(User.objects.get(is_coordinator=True))
    assert coordinator.get(path)["Location"] == "/"
