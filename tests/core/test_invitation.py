import re

import pytest
from django.core import mail

from core.accounts.emails import COORDINATOR_INVITATION
from core.accounts.models import User
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from tenants.onboarding import SectionDetails, onboard_section

pytestmark = pytest.mark.django_db


def invitation_link(message) -> str:
    return re.search(r"https?://\S+/accounts/set-password/\S+/", message.body).group(0)


@pytest.fixture
def invited(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        section = onboard_section(
            SectionDetails(
                slug="nantes",
                name="ESN Nantes",
                city="Nantes",
                country="FR",
                coordinator_email="chloe@example.org",
                default_language="fr",
            )
        )
    [message] = mail.outbox
    return section, message


def skip_earlier_emails() -> None:
    """The session's onboarding left the coordinator's invitation pending in the section's
    outbox: skipped (in the test's transaction), so that a relay sends the test's email only."""
    OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).update(
        status=OutboxMessage.Status.SKIPPED
    )


def test_onboarding_writes_the_invitation_to_the_new_sections_outbox(invited, in_section):
    section, message = invited
    assert message.to == ["chloe@example.org"]
    with in_section(section):
        user = User.objects.get(email="chloe@example.org")
        row = OutboxMessage.objects.get()
    assert (row.key, row.name, row.args) == (
        f"coordinator-invitation:{user.pk}",
        COORDINATOR_INVITATION,
        {"user": user.pk},
    )
    assert (row.status, row.attempts) == ("sent", 1)


def test_invitation_is_in_the_sections_language_with_a_working_link(invited):
    section, message = invited
    assert "ESN Nantes" in message.subject
    assert message.alternatives[0][1] == "text/html"
    assert invitation_link(message).startswith(f"{section.portal_url}/accounts/set-password/")


def test_the_link_sets_the_password_once_then_login_works(invited, client):
    section, message = invited
    path = invitation_link(message).split(section.portal_url, 1)[1]
    client.defaults["HTTP_HOST"] = section.host
    client.cookies["django_language"] = "en"

    form_page = client.get(path, follow=True)
    assert "Choose your password" in form_page.content.decode()
    form_url = form_page.redirect_chain[-1][0]
    weak = client.post(form_url, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "errorlist" in weak.content.decode()
    done = client.post(
        form_url, {"new_password1": "s3cret-buddy!", "new_password2": "s3cret-buddy!"}
    )
    # logged in by setting the password, and on the coordinator's dashboard
    assert (done.status_code, done["Location"]) == (302, "/coordinator/")
    assert client.get("/coordinator/").status_code == 200
    client.post("/accounts/logout/")

    logged_in = client.post(
        "/accounts/login/", {"username": "chloe@example.org", "password": "s3cret-buddy!"}
    )
    assert logged_in.status_code == 302
    client.post("/accounts/logout/")
    again = client.get(path, follow=True)
    assert "This link has expired" in again.content.decode()


def test_login_page_logs_a_coordinator_in(lille_client, lille, in_section):
    with in_section(lille):
        user = User.objects.get(email="coordinator@lille.example.org")
        user.set_password("long-enough-pass")
        user.save()
    response = lille_client.post(
        "/accounts/login/",
        {"username": "COORDINATOR@lille.example.org", "password": "long-enough-pass"},
    )
    assert (response.status_code, response["Location"]) == (302, "/coordinator/")
    assert "coordinator@lille.example.org" in lille_client.get("/").content.decode()


def test_a_lille_account_cannot_log_in_on_paris(paris_client, lille, in_section):
    with in_section(lille):
        user = User.objects.get(email="coordinator@lille.example.org")
        user.email = "only-in-lille@example.org"
        user.set_password("long-enough-pass")
        user.save()
    response = paris_client.post(
        "/accounts/login/",
        {"username": "only-in-lille@example.org", "password": "long-enough-pass"},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_a_session_from_lille_is_worthless_on_paris(lille_client, lille, in_section):
    lille_client.cookies["django_language"] = "en"
    with in_section(lille):
        lille_client.force_login(User.objects.get(email="coordinator@lille.example.org"))
    assert "signed in" in lille_client.get("/").content.decode()
    lille_client.defaults["HTTP_HOST"] = "paris.localhost"
    assert "signed in" not in lille_client.get("/").content.decode()


def test_the_email_is_built_in_the_section_whose_outbox_it_was_written_to(
    lille, paris, in_section, django_capture_on_commit_callbacks
):
    """Both sections have a coordinator with the same id; the schema decides who gets mail."""
    with in_section(lille):
        lille_id = User.objects.get(email="coordinator@lille.example.org").pk
        skip_earlier_emails()
    with in_section(paris):
        assert User.objects.filter(pk=lille_id).exists()
        skip_earlier_emails()
    # the relay runs on commit, after the block has gone back to the public schema
    with django_capture_on_commit_callbacks(execute=True), in_section(lille):
        outbox.send_email("test-invitation", COORDINATOR_INVITATION, user=lille_id)
    [message] = mail.outbox
    assert message.to == ["coordinator@lille.example.org"]
    assert "lille.localhost/accounts/set-password/" in message.body
    assert "paris" not in message.body.lower()
    with in_section(lille):
        assert OutboxMessage.objects.get(key="test-invitation").status == "sent"
    with in_section(paris):
        assert not OutboxMessage.objects.filter(key="test-invitation").exists()


def test_no_invitation_once_the_password_is_set(lille, in_section):
    with in_section(lille):
        skip_earlier_emails()
        user = User.objects.get(email="coordinator@lille.example.org")
        user.set_password("long-enough-pass")
        user.save()
        outbox.send_email("test-invitation", COORDINATOR_INVITATION, user=user.pk)
        assert outbox.relay() == outbox.Relayed(skipped=1)
        assert OutboxMessage.objects.get(key="test-invitation").status == "skipped"
    assert mail.outbox == []
