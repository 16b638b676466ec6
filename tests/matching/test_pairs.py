"""Confirming, making and ending pairs, and the two emails each pair sends exactly once."""

import pytest
from django.core import mail
from django.utils import timezone

from core.models import AuditEvent
from factories import HobbyFactory, ProfileFactory
from matching import services
from matching.models import MatchRun, Notification, Pair, Proposal
from matching.tasks import send_pair_emails

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(lille, in_section, django_user_model):
    with in_section(lille):
        yield django_user_model.objects.get(is_coordinator=True)


@pytest.fixture
def proposal(lille, in_section, coordinator, django_capture_on_commit_callbacks):
    with in_section(lille):
        cooking = HobbyFactory(name="Cooking")
        ana = ProfileFactory(
            user__email="ana@example.org",
            user__first_name="Ana",
            language="en",
        )
        lucas = ProfileFactory(
            buddy=True,
            user__email="lucas@example.org",
            user__first_name="Lucas",
            language="fr",
        )
        ana.hobbies.add(cooking)
        lucas.hobbies.add(cooking)
        with django_capture_on_commit_callbacks(execute=True):
            services.request_match_run(coordinator)
        yield Proposal.objects.get()


def test_confirming_makes_the_pair_and_emails_both_in_their_language(
    proposal, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.confirm_proposals(coordinator, [proposal.pk])
    assert (decision.done, decision.skipped) == (1, 0)
    pair = Pair.objects.get()
    assert (pair.incoming, pair.buddy, pair.score) == (
        proposal.incoming,
        proposal.buddy,
        proposal.score,
    )
    assert pair.incoming_nationality == "ES"
    to_ana, to_lucas = sorted(mail.outbox, key=lambda m: m.to[0])
    assert to_ana.to == ["ana@example.org"] and "Meet your buddy: Lucas" in to_ana.subject
    assert "lucas@example.org" in to_ana.body and "+33 6 00 00 00 00" in to_ana.body
    assert "You share a hobby: Cooking." in to_ana.body
    assert to_lucas.subject == "Faites connaissance avec votre buddy : Ana"
    assert "Vous avez un loisir en commun : Cooking." in to_lucas.body
    assert "ana@example.org" in to_lucas.body
    for message in (to_ana, to_lucas):  # nothing private of the other
        assert "2003" not in message.body and "secret" not in message.body
    assert AuditEvent.objects.filter(action="pair_confirmed", actor=coordinator).count() == 1


def test_a_double_click_confirms_once_and_emails_once(
    proposal, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_proposals(coordinator, [proposal.pk])
        second = services.confirm_proposals(coordinator, [proposal.pk])
    assert (second.done, second.skipped) == (0, 1)
    assert Pair.objects.count() == 1
    assert len(mail.outbox) == 2


def test_a_retried_email_task_sends_nothing_twice(
    proposal, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_proposals(coordinator, [proposal.pk])
    pair = Pair.objects.get()
    send_pair_emails.delay(pair.pk)
    send_pair_emails.delay(pair.pk)
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(pair=pair).count() == 2


def test_a_failed_email_is_sent_by_the_retry_and_only_then(
    settings, proposal, coordinator, django_capture_on_commit_callbacks
):
    from portal_helpers import FailingOnceBackend

    settings.EMAIL_BACKEND = "portal_helpers.FailingOnceBackend"
    FailingOnceBackend.failures_left = 1
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_proposals(coordinator, [proposal.pk])
    assert FailingOnceBackend.failures_left == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "lucas@example.org"]


def test_a_proposal_no_longer_possible_is_skipped(
    proposal, coordinator, lille, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        other_buddy = ProfileFactory(buddy=True)
        services.create_pair_by_hand(coordinator, proposal.incoming, other_buddy)
        decision = services.confirm_proposals(coordinator, [proposal.pk])
    assert (decision.done, decision.skipped) == (0, 1)
    assert Pair.objects.filter(incoming=proposal.incoming).count() == 1


def test_a_pair_by_hand_that_breaks_a_hard_constraint_needs_consent(
    coordinator, lille, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        incoming = ProfileFactory(languages=["ja"])
        buddy = ProfileFactory(buddy=True)
        with pytest.raises(services.BrokenConstraints) as warned:
            services.create_pair_by_hand(coordinator, incoming, buddy)
        assert warned.value.constraints == ("common_language",)
        assert not Pair.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            pair = services.create_pair_by_hand(
                coordinator, incoming, buddy, accept_broken_constraints=True
            )
        assert pair.broken_constraints == ["common_language"]
        assert AuditEvent.objects.get(action="pair_created_by_hand").details[
            "broken_constraints"
        ] == ["common_language"]
    assert len(mail.outbox) == 2


def test_a_full_buddy_cannot_take_one_more(coordinator, lille, in_section):
    with in_section(lille):
        buddy = ProfileFactory(buddy=True, capacity=1)
        services.create_pair_by_hand(coordinator, ProfileFactory(), buddy)
        with pytest.raises(services.PairNotPossible):
            services.create_pair_by_hand(coordinator, ProfileFactory(), buddy)


def test_ending_a_pair_puts_the_student_back_in_the_waiting_pool(
    coordinator, lille, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        incoming, buddy = ProfileFactory(), ProfileFactory(buddy=True, capacity=1)
        pair = services.create_pair_by_hand(coordinator, incoming, buddy)
        services.end_pair(coordinator, pair, "buddy dropped out")
        services.end_pair(coordinator, pair, "twice")  # no second audit line
        pair.refresh_from_db()
        assert pair.end_reason == "buddy dropped out"
        assert AuditEvent.objects.filter(action="pair_ended").count() == 1
        ProfileFactory(buddy=True)
        with django_capture_on_commit_callbacks(execute=True):
            run = services.request_match_run(coordinator, only_for=[incoming.pk])
        assert MatchRun.objects.get(pk=run.pk).matched == 1


def test_the_portal_shows_the_waiting_list_then_the_buddy(
    lille, in_section, coordinator, django_capture_on_commit_callbacks
):
    from django.test import Client

    with in_section(lille):
        student = ProfileFactory(user__email="ana@example.org")
        with django_capture_on_commit_callbacks(execute=True):
            services.request_match_run(coordinator)  # no buddy at all
        client = Client(HTTP_HOST=lille.host)
        client.cookies["django_language"] = "en"
        client.force_login(student.user)
    assert "You are on the waiting list" in client.get("/account/").content.decode()
    with in_section(lille):
        buddy = ProfileFactory(buddy=True, user__email="lucas@example.org")
        Pair.objects.create(incoming=student, buddy=buddy, confirmed_at=timezone.now())
    assert "lucas@example.org" in client.get("/account/").content.decode()
