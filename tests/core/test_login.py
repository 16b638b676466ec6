import re

import pytest
from django.core import mail
from django.test import Client

from clients import section_client
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


def test_the_address_in_another_spelling_shares_the_attempts_and_the_lockout(client, student):
    spellings = ["ana@example.org", "ANA@example.org", " Ana@Example.org ", "ana@EXAMPLE.ORG"]
    for spelling in spellings:  # four failures, each spelling counted as the same account
        assert log_in(client, password="wrong", email=spelling).status_code == 200
    assert log_in(client, password="wrong", email="Ana@example.org").status_code == 429
    # locked: the right password in any spelling is refused until the cool-off
    for spelling in spellings:
        assert log_in(client, email=spelling).status_code == 429


def test_many_addresses_cannot_try_one_account(lille, student):
    for n in range(5):
        other = Client(HTTP_HOST=lille.host, REMOTE_ADDR=f"203.0.113.{n + 1}")
        log_in(other, password="wrong")
    fresh = Client(HTTP_HOST=lille.host, REMOTE_ADDR="198.51.100.9")
    assert log_in(fresh).status_code == 429


def test_one_address_cannot_try_many_accounts(client, lille, in_section):
    with in_section(lille):
        ProfileFactory(user__email="ben@example.org")
    for n in range(5):
        log_in(client, password="wrong", email=f"someone{n}@example.org")
    assert log_in(client, password="long-enough-pass", email="ben@example.org").status_code == 429


def test_the_platform_admins_lockout_page_works(db):
    from core.accounts.models import User

    User.objects.create_superuser("root@example.org", "long-enough-pass")
    admin = Client(HTTP_HOST="localhost")
    for _ in range(5):
        admin.post("/admin/login/", {"username": "ROOT@example.org", "password": "wrong"})
    locked = admin.post("/admin/login/", {"username": "root@example.org", "password": "x"})
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()


def test_a_student_lands_on_their_account_and_a_next_page_wins(lille, in_section):
    with in_section(lille):
        profile = ProfileFactory()
    client = section_client(lille)
    credentials = {"username": profile.user.email, "password": "long-enough-pass"}
    assert client.post("/accounts/login/", credentials)["Location"] == "/account/"
    client.post("/accounts/logout/")
    response = client.post("/accounts/login/?next=/events/", credentials)
    assert response["Location"] == "/events/"
