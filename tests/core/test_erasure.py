"""Erasing a student (account deletion, anonymisation after the stay) leaves nothing of them:
no login attempt or access log of their email, no session, no id in the runs' snapshots; the
other section's rows with the same ids and email stay."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.utils import timezone

from clients import section_client
from core import services
from core.accounts.models import User
from core.models import AuditEvent, Profile
from core.outbox.services import send_email
from factories import MatchRunFactory, ProfileFactory, UserFactory
from matching.emails import PAIR_CONFIRMED_EMAIL, WAITING_LIST_EMAIL
from matching.models import MatchRun, Pair

pytestmark = pytest.mark.django_db

EMAIL = "ana@example.org"


def failed_login(section, email: str) -> None:
    client = Client(HTTP_HOST=section.host)
    client.cookies["django_language"] = "en"
    response = client.post("/accounts/login/", {"username": email, "password": "wrong"})
    assert response.status_code == 200


def logged_in(client) -> bool:
    return client.get("/account/").status_code == 200


def snapshot_of(ana_id: int, buddy_id: int, other_id: int) -> dict:
    ana, buddy, other = str(ana_id), str(buddy_id), str(other_id)
    return {
        "incoming": [ana, other],
        "buddies": {buddy: 2},
        "pinned": [[ana, buddy], [other, buddy]],
        "forbidden_count": 0,
        "mode": "flow",
    }


@pytest.fixture
def ana(lille, in_section):
    with in_section(lille):
        return ProfileFactory(user__email=EMAIL, user__first_name="Ana")


def test_deleting_my_account_forgets_my_logins_sessions_and_run_ids(ana, lille, paris, in_section):
    with in_section(lille):
        buddy = ProfileFactory(buddy=True)
        other = ProfileFactory()
        run = MatchRunFactory(
            snapshot=snapshot_of(ana.pk, buddy.pk, other.pk), only_for=[ana.pk, other.pk]
        )
        untouched = MatchRunFactory(snapshot=snapshot_of(other.pk, buddy.pk, other.pk))
        AccessLog.objects.create(username="Ana@Example.org", ip_address="10.0.0.1")
    with in_section(paris):
        # the same email and, as far as the sequences allow, the same ids in paris
        twin_user = UserFactory(pk=ana.user_id, email=EMAIL)
        twin = ProfileFactory(pk=ana.pk, user=twin_user)
        paris_run = MatchRunFactory(snapshot=snapshot_of(twin.pk, buddy.pk, other.pk))
        AccessLog.objects.create(username=EMAIL, ip_address="10.0.0.1")

    phone = section_client(lille)
    laptop = section_client(lille)
    for client in (phone, laptop):
        response = client.post(
            "/accounts/login/", {"username": EMAIL, "password": "long-enough-pass"}
        )
        assert response.status_code == 302
        assert logged_in(client)
    paris_client = section_client(paris)
    paris_client.post("/accounts/login/", {"username": EMAIL, "password": "long-enough-pass"})
    assert logged_in(paris_client)
    with in_section(lille):
        assert Session.objects.count() >= 2
    # after the logins (a success forgets the failures before it), in three spellings
    for email in ("ANA@example.org", "ana@EXAMPLE.org", EMAIL):
        failed_login(lille, email)
    failed_login(paris, "Ana@example.org")
    with in_section(lille):
        assert AccessAttempt.objects.filter(username__iexact=EMAIL).exists()

    response = phone.post("/account/delete/", {"password": "long-enough-pass"}, follow=True)
    assert "Your account and profile are deleted" in response.content.decode()

    assert not logged_in(phone) and not logged_in(laptop)
    with in_section(lille):
        assert not User.objects.filter(email__iexact=EMAIL).exists()
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            assert not model.objects.filter(username__iexact=EMAIL).exists()
        assert not [
            s
            for s in Session.objects.all()
            if s.get_decoded().get("_auth_user_id") == str(ana.user_id)
        ]
        run.refresh_from_db()
        assert _only_other_ids(run.snapshot, ana.pk)
        assert run.snapshot["incoming"] == [str(other.pk)]
        assert run.snapshot["buddies"] == {str(buddy.pk): 2}
        assert run.snapshot["pinned"] == [[str(other.pk), str(buddy.pk)]]
        assert run.snapshot["erased_students"] == 1
        assert run.only_for == [other.pk]
        before = untouched.snapshot
        untouched.refresh_from_db()
        assert untouched.snapshot == before
    with in_section(paris):
        assert Profile.objects.filter(pk=twin.pk, user__email=EMAIL).exists()
        assert AccessAttempt.objects.filter(username__iexact=EMAIL).exists()
        assert AccessLog.objects.filter(username=EMAIL).exists()
        paris_run.refresh_from_db()
        assert paris_run.snapshot == snapshot_of(twin.pk, buddy.pk, other.pk)
    assert logged_in(paris_client)


def _only_other_ids(snapshot: dict, erased: int) -> bool:
    """No id in the snapshot is the erased one (an id may contain its digits)."""
    ids = {str(i) for i in snapshot["incoming"]} | {str(b) for b in snapshot["buddies"]}
    ids |= {str(side) for pin in snapshot["pinned"] for side in pin}
    return str(erased) not in ids


def test_a_real_run_forgets_a_student_anonymised_after_the_stay(
    lille, in_section, coordinator_user, django_capture_on_commit_callbacks
):
    from matching import services as matching

    with in_section(lille):
        incoming = ProfileFactory()
        buddy = ProfileFactory(buddy=True)
        with django_capture_on_commit_callbacks(execute=False):  # no broker: run it here
            run = matching.request_match_run(coordinator_user)
        matching.execute_match_run(run.pk)
        run.refresh_from_db()
        assert run.status == MatchRun.Status.SUCCEEDED
        assert str(incoming.pk) in run.snapshot["incoming"]
        Profile.objects.filter(pk=incoming.pk).update(
            departure_date=timezone.localdate() - timedelta(days=400),
            arrival_date=timezone.localdate() - timedelta(days=500),
        )
        assert services.anonymise_departed_profiles() == 1
        run.refresh_from_db()
        assert _only_other_ids(run.snapshot, incoming.pk)
        assert run.snapshot["buddies"] == {str(buddy.pk): 2}
        assert AuditEvent.objects.filter(action="profile_anonymised").count() == 1


def test_emails_waiting_for_an_erased_student_are_never_sent(
    ana, lille, in_section, django_capture_on_commit_callbacks
):
    from core.outbox import services as outbox
    from core.outbox.models import OutboxMessage

    with in_section(lille):
        buddy = ProfileFactory(buddy=True)
        pair = Pair.objects.create(incoming=ana, buddy=buddy, confirmed_at=timezone.now())
        with django_capture_on_commit_callbacks(execute=False):  # the relay kick is lost
            send_email(
                f"pair-confirmed:{pair.pk}:{ana.pk}",
                PAIR_CONFIRMED_EMAIL,
                pair=pair.pk,
                profile=ana.pk,
            )
            send_email(f"waiting:{ana.pk}", WAITING_LIST_EMAIL, profile=ana.pk)
            services.erase_student(ana.user, action=AuditEvent.Action.ACCOUNT_DELETED)
        rows = OutboxMessage.objects.filter(args__profile=ana.pk)
        assert rows.count() == 2
        mail.outbox.clear()
        outbox.relay()
        assert [m.to for m in mail.outbox if EMAIL in m.to] == []
        assert set(rows.values_list("status", flat=True)) == {OutboxMessage.Status.SKIPPED}
