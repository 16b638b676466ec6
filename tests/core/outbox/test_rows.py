"""A row per change, written in the change's transaction: gone with it when it rolls back,
and one row (one email) per key however often it is written."""

import pytest
from django.core import mail
from django.db import DatabaseError, transaction

from core import services
from core.accounts.models import User
from core.emails import VERIFY_EMAIL
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from factories import ProfileFactory
from portal_helpers import make_catalogue, registration_data

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


@pytest.fixture
def catalogue(lille, in_section):
    with in_section(lille):
        return make_catalogue()


def register_student(catalogue, email="ana@example.org"):
    """The registration service, with what the form would give it."""
    _place, hobbies = catalogue
    return services.register_student(
        email=email,
        password="una-clave-larga-2026",
        first_name="Ana",
        last_name="García",
        profile_fields=dict(
            role="incoming",
            birth_date="2003-05-17",
            gender="woman",
            nationality="ES",
            language="en",
            place_of_study=catalogue[0],
            faculty="Law",
            study_level="master",
            home_university="Universidad de Granada",
        ),
        hobbies=hobbies[:1],
        languages=[services.SpokenLanguage("es", "native")],
    )


def new_rows(before: set[int]):
    return OutboxMessage.objects.exclude(pk__in=before)


def test_registering_writes_one_verification_row_sent_only_after_the_commit(
    lille, catalogue, in_section, client_for, django_capture_on_commit_callbacks
):
    with in_section(lille):
        before = set(OutboxMessage.objects.values_list("pk", flat=True))
    place, hobbies = catalogue
    with django_capture_on_commit_callbacks() as callbacks:  # committed, not yet run
        response = client_for(lille).post(
            "/register/incoming/", registration_data("incoming", place, hobbies)
        )
    assert response.status_code == 302
    with in_section(lille):
        user = User.objects.get(email="ana@example.org")
        [row] = new_rows(before)
        assert row.key == f"verify-email:{user.pk}"
        assert (row.kind, row.name, row.args) == ("email", VERIFY_EMAIL, {"user": user.pk})
        assert (row.status, row.attempts, row.last_error) == ("pending", 0, "")
    # nothing is sent before the commit; the commit kicks the relay once
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    [email] = mail.outbox
    assert email.to == ["ana@example.org"]
    with in_section(lille):
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("sent", 1)
        assert row.finished_at is not None


def test_a_rolled_back_registration_leaves_no_row_and_sends_nothing(
    lille, catalogue, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        before = set(OutboxMessage.objects.values_list("pk", flat=True))
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(Boom),
            transaction.atomic(),
        ):
            profile = register_student(catalogue)
            # written, in the transaction of the account...
            assert new_rows(before).get().key == f"verify-email:{profile.user_id}"
            raise Boom
        # ...and gone with it, with its kick
        assert not User.objects.filter(email="ana@example.org").exists()
        assert not new_rows(before).exists()
        assert callbacks == []
        assert outbox.relay().sent == 0
    assert mail.outbox == []


def test_the_account_is_not_created_when_its_row_cannot_be_written(
    lille, catalogue, in_section, monkeypatch, django_capture_on_commit_callbacks
):
    def broken_write(*args):
        raise DatabaseError("the outbox table is gone")

    monkeypatch.setattr(outbox, "_write", broken_write)
    with in_section(lille), django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(DatabaseError):
            register_student(catalogue)
        assert not User.objects.filter(email="ana@example.org").exists()
    assert mail.outbox == []


def test_the_same_key_written_twice_keeps_one_row_and_sends_one_email(
    lille, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        ana = ProfileFactory(email_verified_at=None, user__email="ana@example.org")
        other = ProfileFactory(email_verified_at=None, user__email="other@example.org")
        key = f"verify-email:{ana.user_id}"
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            first = outbox.send_email(key, VERIFY_EMAIL, user=ana.user_id)
            # a double click, or another student's args under the same key: the first kept
            second = outbox.send_email(key, VERIFY_EMAIL, user=other.user_id)
        assert second.pk == first.pk
        assert len(callbacks) == 1  # one kick per transaction
        # written again after it was sent (a retried task): nothing more
        with django_capture_on_commit_callbacks(execute=True):
            outbox.send_email(key, VERIFY_EMAIL, user=ana.user_id)
        [row] = OutboxMessage.objects.filter(key=key)
        assert row.args == {"user": ana.user_id}
        assert (row.status, row.attempts) == ("sent", 1)
    assert [email.to for email in mail.outbox] == [["ana@example.org"]]


def test_many_emails_written_at_once_keep_the_rows_already_there(
    lille, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        ana, bob = (
            ProfileFactory(email_verified_at=None, user__email=f"{name}@example.org")
            for name in ("ana", "bob")
        )
        ana_key, bob_key = (f"verify-email:{p.user_id}" for p in (ana, bob))
        with django_capture_on_commit_callbacks(execute=True):
            outbox.send_email(ana_key, VERIFY_EMAIL, user=ana.user_id)
        with django_capture_on_commit_callbacks(execute=True):
            outbox.send_emails(
                [
                    (ana_key, VERIFY_EMAIL, {"user": ana.user_id}),
                    (bob_key, VERIFY_EMAIL, {"user": bob.user_id}),
                    (bob_key, VERIFY_EMAIL, {"user": bob.user_id}),
                ]
            )
        rows = OutboxMessage.objects.filter(key__in=[ana_key, bob_key])
        assert sorted(rows.values_list("key", "status", "attempts")) == sorted(
            [(ana_key, "sent", 1), (bob_key, "sent", 1)]
        )
    assert sorted(email.to[0] for email in mail.outbox) == ["ana@example.org", "bob@example.org"]
