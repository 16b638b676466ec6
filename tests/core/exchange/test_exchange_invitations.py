"""Invited students: the email, the signed link, and the profile they complete from it."""

import re
from datetime import timedelta
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.test import override_settings
from django.utils import timezone

from config.celery import retry_delay
from core.accounts.models import User
from core.exchange import services, tokens
from core.exchange.emails import IMPORT_INVITATION_EMAIL
from core.exchange.models import ImportBatch, ImportedInvitation
from core.models import Profile
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from core.signing import _salt, make_link_token
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


def test_each_imported_student_gets_an_invitation_in_the_language_of_the_file(
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


def test_without_a_language_a_student_of_the_sections_country_gets_its_language(
    lille, in_section, catalogue, row, csv_bytes, django_capture_on_commit_callbacks
):
    """Lille speaks French: its French students get French, the others English (a Japanese
    student is sent no French), and a language in the file wins."""
    rows = [
        row(1, nationality="FR", first_name="Chloé"),
        row(2, nationality="JP", first_name="Haruto"),
        row(3, nationality="JP", first_name="Yui", language="FR"),
    ]
    commit_file(lille, in_section, csv_bytes, rows, django_capture_on_commit_callbacks)
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects["incoming1@example.org"].startswith("Complétez votre profil")
    assert subjects["incoming2@example.org"].startswith("Complete your profile")
    assert subjects["incoming3@example.org"].startswith("Complétez votre profil")
    with in_section(lille):
        languages = dict(ImportedInvitation.objects.values_list("email", "language"))
    assert languages == {
        "incoming1@example.org": "fr",
        "incoming2@example.org": "en",
        "incoming3@example.org": "fr",
    }


def test_the_completion_form_opens_in_the_invitations_language(
    lille, in_section, catalogue, row, csv_bytes, django_capture_on_commit_callbacks, client_for
):
    rows = [row(1, nationality="JP")]
    commit_file(lille, in_section, csv_bytes, rows, django_capture_on_commit_callbacks)
    page = client_for(lille, language="en").get(link_path(mail.outbox[0])).text
    assert '<option value="en" selected>' in page


def invitation_rows():
    return OutboxMessage.objects.filter(name=IMPORT_INVITATION_EMAIL)


def test_each_invitation_is_sent_once_even_when_the_relay_runs_again(
    lille, in_section, catalogue, row, csv_bytes, django_capture_on_commit_callbacks
):
    commit_file(
        lille, in_section, csv_bytes, [row(n) for n in range(3)], django_capture_on_commit_callbacks
    )
    assert len(mail.outbox) == 3
    with in_section(lille):
        invitations = list(ImportedInvitation.objects.values_list("pk", flat=True))
        assert set(invitation_rows().values_list("key", "status", "attempts")) == {
            (f"import-invitation:{pk}", "sent", 1) for pk in invitations
        }
        assert outbox.relay().sent == 0
        # the same invitations written again keep their first rows: nothing is sent twice
        outbox.send_emails(
            (f"import-invitation:{pk}", IMPORT_INVITATION_EMAIL, {"invitation": pk})
            for pk in invitations
        )
        assert outbox.relay().sent == 0
        assert invitation_rows().count() == 3
    assert len(mail.outbox) == 3


@override_settings(EMAIL_BACKEND="portal_helpers.FailingOnceBackend")
def test_a_failed_send_is_retried_minutes_later_for_that_invitation_only(
    lille, in_section, catalogue, row, csv_bytes, django_capture_on_commit_callbacks
):
    FailingOnceBackend.failures_left = 1  # the first send fails
    commit_file(
        lille, in_section, csv_bytes, [row(n) for n in range(3)], django_capture_on_commit_callbacks
    )
    assert sorted(message.to[0] for message in mail.outbox) == [
        "incoming1@example.org",
        "incoming2@example.org",
    ]
    with in_section(lille):
        unsent = ImportedInvitation.objects.get(sent_at__isnull=True)
        assert unsent.email == "incoming0@example.org"
        waiting = invitation_rows().get(status="pending")
        assert waiting.key == f"import-invitation:{unsent.pk}"
        assert (waiting.attempts, waiting.last_error) == (1, "SMTPException")
        assert outbox.relay().sent == 0  # not due yet
        later = timezone.now() + retry_delay(1)
        assert outbox.relay(now=later) == outbox.Relayed(sent=1)  # the retry
        assert outbox.relay(now=later).sent == 0  # and once more, for nothing
        assert not ImportedInvitation.objects.filter(sent_at__isnull=True).exists()
        assert set(invitation_rows().values_list("status", flat=True)) == {"sent"}
    assert sorted(message.to[0] for message in mail.outbox) == [
        f"incoming{n}@example.org" for n in range(3)
    ]


def test_a_used_invitation_is_not_sent(lille, in_section, catalogue, row, csv_bytes):
    with in_section(lille):
        batch = services.preview_import(None, csv_bytes([row(1)]))
        services.commit_import(None, batch.pk)  # written to the outbox, not relayed yet
        ImportedInvitation.objects.update(used_at=timezone.now())
        assert outbox.relay() == outbox.Relayed(skipped=1)
        assert ImportedInvitation.objects.get().sent_at is None
    assert mail.outbox == []


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
    with in_section(lille):
        assert not OutboxMessage.objects.filter(key__startswith="verify-email:").exists()
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
    salt = _salt(tokens.PURPOSE)
    with in_section(lille):
        invitation = ImportedInvitation.objects.get()
        # signed for another purpose: an unsubscribe link with the invitation's values
        other_purpose = make_link_token("unsubscribe", i=invitation.pk, t=invitation.token)
    right = {"s": "lille", "i": invitation.pk, "t": invitation.token}
    # the recipe the forgeries below change one thing of makes a link that works
    assert client.get(f"/invitation/{signing.dumps(right, salt=salt)}/").status_code == 200
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # a changed signature
        "not-a-token",
        # the right payload, signed without the secret key
        signing.dumps(right, key="guess", salt=salt),
        other_purpose,
        signing.dumps(right, salt="other"),
        # the right row id with a guessed token
        signing.dumps(right | {"t": "guess"}, salt=salt),
        # values of the wrong type
        signing.dumps(right | {"i": str(invitation.pk)}, salt=salt),
        signing.dumps(right | {"t": None}, salt=salt),
        signing.dumps([invitation.pk, invitation.token], salt=salt),
        # no section, or a valid link of paris replayed on lille
        signing.dumps({"i": invitation.pk, "t": invitation.token}, salt=salt),
        signing.dumps(right | {"s": "paris"}, salt=salt),
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


def test_the_refusal_is_in_the_visitors_language(lille, client_for):
    page = client_for(lille, language="fr").get("/invitation/not-a-real-link/").text
    assert "Cette invitation ne peut pas être utilisée" in page
    assert "Ce lien n'est pas valide" in page.replace("&#x27;", "'")
    assert "This link is not valid" not in page
    english = client_for(lille, language="en").get("/invitation/not-a-real-link/").text
    assert "This link is not valid" in english
