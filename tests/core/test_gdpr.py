import json
from datetime import timedelta

import pytest
from django.utils import timezone

from clients import section_client
from core.accounts.models import User
from core.events.services import send_message
from core.models import AuditEvent, CoordinatorNote, Profile, SectionSettings
from core.outbox.models import OutboxMessage
from core.outbox.services import send_email
from factories import MessageFactory, ProfileFactory, ProposalFactory, UserFactory
from matching.emails import WAITING_LIST_EMAIL
from matching.followup.models import CheckIn, SurveyResponse
from matching.models import Pair, WaitingListEntry
from tenants.tasks import run_in_every_section

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(lille, in_section):
    with in_section(lille):
        ana = ProfileFactory(user__email="ana@example.org", user__first_name="Ana")
        lucas = ProfileFactory(buddy=True, user__email="lucas@example.org")
        return Pair.objects.create(
            incoming=ana, buddy=lucas, incoming_nationality="ES", confirmed_at=timezone.now()
        )


def test_download_my_data_gives_all_of_mine_and_nothing_of_my_buddy(pair, lille, in_section):
    with in_section(lille):
        CheckIn.objects.create(pair=pair, profile=pair.incoming, answer="met")
        CheckIn.objects.create(pair=pair, profile=pair.buddy, answer="not_yet")
        SurveyResponse.objects.create(
            pair=pair, profile=pair.incoming, role="incoming", rating=5, comment="Great buddy"
        )
    client = section_client(lille, pair.incoming.user)
    response = client.get("/account/export/")
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "ana@example.org"
    assert data["profile"]["home_university"] == "Universidad de Granada"
    assert {"language": "es", "level": "fluent"} in data["profile"]["languages"]
    assert data["profile"]["phone"] == "+34 600 000 000"
    assert len(data["pairs"]) == 1
    assert data["check_ins"] == [
        {"sent_at": data["check_ins"][0]["sent_at"], "answer": "met", "answered_at": None}
    ]
    assert data["surveys"][0]["comment"] == "Great buddy"
    assert data["events"] == [] and data["unsubscribed_from_messages_at"] is None
    assert "lucas" not in response.content.decode()
    with in_section(lille):
        assert AuditEvent.objects.filter(action="data_exported").count() == 1


def test_deleting_my_account_needs_my_password(pair, lille, in_section):
    client = section_client(lille, pair.incoming.user)
    response = client.post("/account/delete/", {"password": "wrong"})
    assert response.status_code == 200
    assert "This is not your password" in response.content.decode()
    with in_section(lille):
        assert User.objects.filter(email="ana@example.org").exists()


def test_deleting_my_account_erases_me_and_keeps_the_pair_anonymously(pair, lille, in_section):
    client = section_client(lille, pair.incoming.user)
    response = client.post("/account/delete/", {"password": "long-enough-pass"}, follow=True)
    assert "Your account and profile are deleted" in response.content.decode()
    assert client.get("/account/").status_code == 302  # logged out
    with in_section(lille):
        assert not User.objects.filter(email="ana@example.org").exists()
        assert not Profile.objects.filter(pk=pair.incoming_id).exists()
        pair.refresh_from_db()
        assert pair.incoming is None and pair.buddy is not None
        assert pair.incoming_nationality == "ES"
        assert pair.ended_at is not None
        event = AuditEvent.objects.get(action="account_deleted")
        assert event.actor is None
        assert event.details == {"role": "incoming"}


def test_profiles_are_erased_months_after_the_stay_as_each_section_decides(
    lille, paris, in_section
):
    today = timezone.localdate()
    with in_section(lille):  # default: 6 months
        gone = ProfileFactory(
            arrival_date=today - timedelta(days=400), departure_date=today - timedelta(days=200)
        )
        stays = ProfileFactory(
            arrival_date=today - timedelta(days=300), departure_date=today - timedelta(days=150)
        )
        old_buddy = ProfileFactory(
            buddy=True,
            available_from=today - timedelta(days=500),
            available_until=today - timedelta(days=250),
        )
    with in_section(paris):
        SectionSettings.objects.update_or_create(pk=1, defaults={"anonymise_after_months": 3})
        also_gone = ProfileFactory(
            arrival_date=today - timedelta(days=300), departure_date=today - timedelta(days=150)
        )

    run_in_every_section("core.tasks.anonymise_departed_profiles")
    run_in_every_section("core.tasks.anonymise_departed_profiles")  # twice changes nothing

    with in_section(lille):
        assert list(Profile.objects.values_list("pk", flat=True)) == [stays.pk]
        assert not User.objects.filter(pk__in=[gone.user_id, old_buddy.user_id]).exists()
        assert AuditEvent.objects.filter(action="profile_anonymised").count() == 2
    with in_section(paris):
        assert not Profile.objects.filter(pk=also_gone.pk).exists()


def test_the_download_holds_notes_messages_emails_and_proposals_about_me_only(
    lille, in_section, coordinator_user, django_capture_on_commit_callbacks
):
    with in_section(lille):
        ana = ProfileFactory(
            language="fr",
            user__email="ana@example.org",
            user__first_name="Ana",
            user__last_name="Garcia",
        )
        bea = ProfileFactory(
            user__email="bea@example.org", user__first_name="Beatriz", user__last_name="Ortiz"
        )
        lucas = ProfileFactory(
            buddy=True,
            user__email="lucas@example.org",
            user__first_name="Lucas",
            user__last_name="Martin",
        )
        author = UserFactory(
            email="coralie@example.org", first_name="Coralie", last_name="Dufresne"
        )
        CoordinatorNote.objects.create(profile=ana, author=author, text="Asked about housing")
        CoordinatorNote.objects.create(profile=bea, author=author, text="Private about Beatriz")
        message = MessageFactory(subject_en="Welcome drinks", subject_fr="Pot d'accueil")
        for student in (ana, bea):  # a run left both waiting: the email has their reason
            WaitingListEntry.objects.create(profile=student, reason="no_buddy_available")
        with django_capture_on_commit_callbacks(execute=True):
            send_message(message.pk, coordinator_user)
            send_email(f"waiting-list:{ana.pk}", WAITING_LIST_EMAIL, profile=ana.pk)
            send_email(f"waiting-list:{bea.pk}", WAITING_LIST_EMAIL, profile=bea.pk)
        proposal = ProposalFactory(incoming=ana, buddy=lucas, score=73)
        ProposalFactory(incoming=bea, buddy=lucas, score=55, run=proposal.run)
        emails_to_bea = OutboxMessage.objects.filter(args__profile=bea.pk).count()
        assert emails_to_bea == 1

    client = section_client(lille, ana.user)
    response = client.get("/account/export/")
    data = json.loads(response.content)
    # the keys that were there stay
    for key in ("account", "profile", "pairs", "check_ins", "surveys", "events", "exports"):
        assert key in data
    assert [note["text"] for note in data["coordinator_notes"]] == ["Asked about housing"]
    assert set(data["coordinator_notes"][0]) == {"written_at", "text"}  # not who wrote it
    assert data["messages"] == [
        {
            "subject": "Pot d'accueil",
            "language": "fr",
            "sent_at": data["messages"][0]["sent_at"],
            "status": "sent",
        }
    ]
    assert data["messages"][0]["sent_at"]
    assert sorted(email["email"] for email in data["emails"]) == [
        "Message to students",
        "On the waiting list",
    ]
    assert all(email["status"] == "sent" and email["finished_at"] for email in data["emails"])
    assert data["proposals"] == [
        {
            "run_at": proposal.run.created_at.isoformat(),
            "score": 73,
            "status": "proposed",
            "decided_at": None,
        }
    ]
    text = response.content.decode()
    for other in ("Beatriz", "Ortiz", "bea@example.org", "Lucas", "Martin", "lucas@example.org"):
        assert other not in text
    for coordinator in ("Coralie", "Dufresne", "coralie@example.org", coordinator_user.email):
        assert coordinator not in text
