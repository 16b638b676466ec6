"""Invited students: the email, the signed link, and the profile they complete from it."""

import re
from datetime import timedelta
from smtplib import SMTPException
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.test import override_settings
from django.utils import timezone

from core.accounts.models import User
from core.exchange import services, tokens
from core.exchange.models import ImportBatch, ImportedInvitation
from core.exchange.tasks import send_import_invitations
from core.models import Profile
from factories import UserFactory
from portal_helpers import FailingOnceBackend, make_catalogue, registration_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(lille, in_section):
    with in_section(lille):
        return make_catalogue()


def commit_file(section, in_section, csv_bytes, rows, callbacks) -> ImportBatch:
    with in_section(section):
        batch = services.preview_import(None, csv_bytes(rows))
        assert batch.errors == []
        with callbacks(execute=True):
            assert services.commit_import(None, batch.pk) == services.Outcome.IMPORTED
    return batch


def link_path(message) -> str:
    [link] = re.findall(r"https?://\S+/invitation/\S+/", message.body)
    return urlsplit(link).path


@pytest.fixture
def invited(lille, in_section, catalogue, row, csv_bytes, django_capture_on_commit_callbacks):
    """Ana was imported and got her invitation: the path of her link."""
    commit_file(lille, in_section, csv_bytes, [row(1)], django_capture_on_commit_callbacks)
    [message] = mail.outbox
    return link_path(message)


def completion_data(catalogue, **overrides) -> dict:
    place, hobbies = catalogue
    data = registration_data("incoming", place, hobbies, **overrides)
    data.pop("email")  # the email is the invitation's, not the form's
    return data


# --- the email --------------------------------------------------------------------------


def test_each_imported_student_gets_an_invitation_in_the_sections_language(
    paris, in_section, row, csv_bytes, django_capture_on_commit_callbacks
):
    with in_section(paris):
        make_catalogue()
    commit_file(paris, in_section, csv_bytes, [row(1), row(2)], django_capture_on_commit_callbacks)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "incoming1@example.org",
        "incoming2@example.org",
    ]
    message = mail.outbox[0]
    assert message.subject == "Complete your profile for ESN Paris's buddy programme"
    assert "Hello Ana," in message.body
    assert "The link works for 30 days." in message.body
    html = message.alternatives[0][0]
    assert "Complete my profile" in html
    path = link_path(message)
    assert path.startswith("/invitation/")
    assert urlsplit(re.search(r"https?://\S+/invitation/", message.body)[0]).hostname == (
        paris.host
    )
    with in_section(paris):
        assert all(invitation.sent_at for invitation in ImportedInvitation.objects.all())


def test_each_invitation_is_sent_once_even_when_the_task_runs_again(
    lille, in_section, catalogue, row, csv_bytes, django_capture_on_commit_callbacks
):
    batch = commit_file(
        lille, in_section, csv_bytes, [row(n) for n in range(3)], django_capture_on_commit_callbacks
    )
    assert len(mail.outbox) == 3
    with in_section(lille):
        send_import_invitations(batch.pk)
        send_import_invitations(batch.pk)
    assert len(mail.outbox) == 3


@override_settings(EMAIL_BACKEND="portal_helpers.FailingOnceBackend")
def test_a_failed_send_is_retried_for_the_unsent_invitations_only(
    lille, in_section, catalogue, row, csv_bytes
):
    with in_section(lille):
        batch = services.preview_import(None, csv_bytes([row(n) for n in range(3)]))
        services.commit_import(None, batch.pk)  # the on-commit task is not run here
        FailingOnceBackend.failures_left = 1
        with pytest.raises(SMTPException):
            send_import_invitations(batch.pk)  # the first send fails: its claim is released
        assert not ImportedInvitation.objects.filter(sent_at__isnull=False).exists()
        send_import_invitations(batch.pk)  # the retry
        send_import_invitations(batch.pk)  # and once more, for nothing
        assert not ImportedInvitation.objects.filter(sent_at__isnull=True).exists()
    assert sorted(message.to[0] for message in mail.outbox) == [
        f"incoming{n}@example.org" for n in range(3)
    ]


# --- the completion page ----------------------------------------------------------------


def test_the_link_opens_the_registration_form_filled_in_from_the_file(invited, lille, client_for):
    response = client_for(lille).get(invited)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["email"].value() == "incoming1@example.org"
    assert form.fields["email"].disabled
    assert form["first_name"].value() == "Ana"
    assert form["last_name"].value() == "García 1"
    assert form["nationality"].value() == "ES"
    assert form["home_university"].value() == "Universidad de Granada"
    assert str(form["arrival_date"].value()) == str(timezone.localdate() + timedelta(days=30))
    page = response.content.decode()
    assert 'value="incoming1@example.org"' in page and "disabled" in page


def test_completing_creates_a_verified_account_and_closes_the_invitation(
    invited, lille, in_section, catalogue, client_for, django_capture_on_commit_callbacks
):
    client = client_for(lille)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            invited,
            completion_data(catalogue, email="someone-else@example.org", first_name="Anita"),
        )
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    with in_section(lille):
        profile = Profile.objects.select_related("user").get()
        invitation = ImportedInvitation.objects.get()
        batch = ImportBatch.objects.get()
    # the email is the invitation's whatever was posted, and it counts as verified
    assert profile.user.email == "incoming1@example.org"
    assert profile.user.first_name == "Anita"
    assert profile.role == "incoming" and profile.is_verified
    assert profile.user.check_password("una-clave-larga-2026")
    assert mail.outbox == []  # no verification email: the link proved the address
    assert invitation.used_at is not None
    assert (invitation.email, invitation.first_name, invitation.last_name) == ("", "", "")
    assert batch.completed_count == 1
    # logged in, and the student is waiting for a buddy (not asked to verify)
    page = client.get("/account/").content.decode()
    assert "Please confirm your email address" not in page


def test_a_used_link_is_refused(invited, lille, in_section, catalogue, client_for):
    client_for(lille).post(invited, completion_data(catalogue))
    again = client_for(lille)
    response = again.get(invited)
    assert response.status_code == 410
    assert "This invitation was already used." in response.content.decode()
    response = again.post(invited, completion_data(catalogue, first_name="Twice"))
    assert response.status_code == 410
    with in_section(lille):
        assert User.objects.filter(is_coordinator=False).count() == 1


def test_a_used_invitation_is_refused_by_the_service_too(invited, lille, in_section, catalogue):
    with in_section(lille):
        invitation = ImportedInvitation.objects.get()
        ImportedInvitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
        with pytest.raises(tokens.InvitationRefused):
            services.complete_invitation(
                invitation,
                password="una-clave-larga-2026",
                first_name="Ana",
                last_name="García",
                profile_fields={},
                hobbies=[],
                languages=[],
            )
        assert not Profile.objects.exists()


def test_forged_links_are_refused(invited, lille, paris, in_section, client_for, row, csv_bytes):
    client = client_for(lille)
    token = invited.split("/")[2]
    with in_section(lille):
        invitation = ImportedInvitation.objects.get()
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # a changed signature
        "not-a-token",
        # the right payload, signed without the secret key
        signing.dumps(
            {"s": "lille", "i": invitation.pk, "t": invitation.token}, key="guess", salt=tokens.SALT
        ),
        # signed for another purpose (the email verification salt)
        signing.dumps({"s": "lille", "i": invitation.pk, "t": invitation.token}, salt="other"),
        # the right row id with a guessed token
        signing.dumps({"s": "lille", "i": invitation.pk, "t": "guess"}, salt=tokens.SALT),
        # a valid link of paris, replayed on lille
        signing.dumps({"s": "paris", "i": invitation.pk, "t": invitation.token}, salt=tokens.SALT),
    ]
    for bad in forged:
        response = client.get(f"/invitation/{bad}/")
        assert response.status_code == 400, bad
        assert "This link is not valid." in response.content.decode()
    with in_section(lille):
        assert not Profile.objects.exists()


def test_an_expired_link_is_refused(lille, in_section, catalogue, client_for, row, csv_bytes):
    with in_section(lille):
        batch = services.preview_import(None, csv_bytes([row(1)]))
        services.commit_import(None, batch.pk)
        invitation = ImportedInvitation.objects.get()
        sent = timezone.now() - timedelta(days=31)
        with mock.patch("django.core.signing.time.time", return_value=sent.timestamp()):
            old_token = tokens.make_token(invitation)
        fresh_token = tokens.make_token(invitation)
    client = client_for(lille)
    response = client.get(f"/invitation/{old_token}/")
    assert response.status_code == 410
    assert "This link has expired." in response.content.decode()
    assert client.get(f"/invitation/{fresh_token}/").status_code == 200


def test_bad_input_on_the_completion_form_creates_nothing(
    invited, lille, in_section, catalogue, client_for
):
    response = client_for(lille).post(
        invited, completion_data(catalogue, password="short", consent=None, birth_date="")
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"password", "consent", "birth_date"}
    assert "Please correct the fields marked below." in response.content.decode()
    with in_section(lille):
        assert not Profile.objects.exists()
        assert ImportedInvitation.objects.get().used_at is None


def test_an_email_registered_meanwhile_is_a_form_error(
    invited, lille, in_section, catalogue, client_for
):
    with in_section(lille):
        UserFactory(email="incoming1@example.org")
    response = client_for(lille).post(invited, completion_data(catalogue))
    assert response.status_code == 200
    assert "An account with this email already exists here." in str(
        response.context["form"].errors["email"]
    )
    with in_section(lille):
        assert not Profile.objects.exists()
        assert ImportedInvitation.objects.get().used_at is None


def test_a_logged_in_person_is_not_registered_again(
    invited, lille, in_section, catalogue, coordinator
):
    response = coordinator.post(invited, completion_data(catalogue))
    assert response["Location"] == "/"
    with in_section(lille):
        assert not Profile.objects.exists()
        assert ImportedInvitation.objects.get().used_at is None
