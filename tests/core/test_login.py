import re

import pytest
from django.core import mail
from django.test import Client

from factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def student(lille, in_section):
    with in_section(lille):
        return ProfileFactory(user__email="ana@example.org")


@pytest.fixture
def client(lille) -> Client:
    client = Client(HTTP_HOST=lille.host)
    client.cookies["django_language"] = "en"
    return client


def log_in(client, password="long-enough-pass", email="ana@example.org"):
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_a_student_logs_in_and_out(client, student):
    assert log_in(client).status_code == 302
    assert "My account" in client.get("/").content.decode()
    client.post("/accounts/logout/")
    assert client.get("/account/").status_code == 302


def test_a_wrong_password_says_so(client, student):
    response = log_in(client, password="wrong")
    assert response.status_code == 200
    assert "correct email address and password" in response.content.decode()


def test_five_failed_logins_lock_the_account_for_this_client(client, student):
    for _ in range(5):
        log_in(client, password="wrong")
    locked = log_in(client)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()


def test_a_lockout_in_lille_does_not_lock_paris(client, student, paris, in_section):
    with in_section(paris):
        ProfileFactory(user__email="ana@example.org")
    for _ in range(6):
        log_in(client, password="wrong")
    paris_client = Client(HTTP_HOST=paris.host)
    assert log_in(paris_client).status_code == 302


def test_password_reset_sends_a_working_link(
    client, student, lille, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password-reset/", {"email": "ANA@example.org"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    [message] = mail.outbox
    path = re.search(r"https?://[^/]+(/accounts/set-password/\S+/)", message.body).group(1)
    form = client.get(path, follow=True)
    new = {"new_password1": "a-brand-new-secret", "new_password2": "a-brand-new-secret"}
    assert client.post(form.redirect_chain[-1][0], new).status_code == 302
    assert log_in(client, password="a-brand-new-secret").status_code == 302


def test_password_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(
    client, student, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []


def test_password_reset_requests_are_throttled(client):
    statuses = [
        client.post("/accounts/password-reset/", {"email": "x@example.org"}).status_code
        for _ in range(6)
    ]
    assert statuses == [302] * 5 + [429]
