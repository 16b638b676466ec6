"""Buddies accept: confirmed proposals become offers to the buddies, who accept (the pair is
made, both emailed once) or decline; unanswered offers expire; declined and expired pairs are
forbidden for later runs; pending offers hold the student and the buddy's place."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import services as core_services
from core.accounts.models import User
from core.models import AuditEvent, Profile
from core.outbox.models import OutboxMessage
from factories import HobbyFactory, ProfileFactory
from matching import services
from matching.emails import PAIR_CONFIRMED_EMAIL
from matching.models import (
    Confirmation,
    ForbiddenPair,
    MatchingPolicy,
    MatchRun,
    Offer,
    Pair,
    Proposal,
)
from matching.offers import services as offers
from matching.offers import tasks as offer_tasks
from matching.offers.emails import OFFER_EMAIL
from matching.pairs import PairNotPossible
from matching.waiting import available_buddies, profile_is_waiting, waiting_incoming

pytestmark = pytest.mark.django_db

ACCEPT = MatchingPolicy.MatchingMode.BUDDIES_ACCEPT
COORDINATOR_MODE = MatchingPolicy.MatchingMode.COORDINATOR


def set_mode(mode: str, **fields) -> None:
    MatchingPolicy.objects.update_or_create(pk=1, defaults={"matching_mode": mode, **fields})


def emails_named(name: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(name=name))


@pytest.fixture
def run(lille, in_section, coordinator_user, django_capture_on_commit_callbacks):
    """Lille in the buddies-accept mode, Ana (incoming) and Lucas (buddy, French, 1 place)
    who share a hobby, and a finished run proposing them."""
    with in_section(lille):
        set_mode(ACCEPT, offer_days=5)
        cooking = HobbyFactory(name="Cooking")
        ana = ProfileFactory(
            user__email="ana@example.org",
            user__first_name="Ana",
            user__last_name="Garcíaprivate",
        )
        lucas = ProfileFactory(
            buddy=True,
            capacity=1,
            language="fr",
            user__email="lucas@example.org",
            user__first_name="Lucas",
            user__last_name="Martin",
        )
        ana.hobbies.add(cooking)
        lucas.hobbies.add(cooking)
        with django_capture_on_commit_callbacks(execute=True):
            services.request_match_run(coordinator_user)
        yield MatchRun.objects.get()


def confirm_all(coordinator_user, run, django_capture_on_commit_callbacks) -> Confirmation:
    with django_capture_on_commit_callbacks(execute=True):
        return services.start_confirmation(coordinator_user, run)


def offer_of(run) -> Offer:
    return Offer.objects.select_related("incoming__user", "buddy__user").get()


# --- confirming makes offers -------------------------------------------------------------


def test_confirming_in_accept_mode_offers_the_pair_and_emails_the_buddy_once(
    run, coordinator_user, django_capture_on_commit_callbacks
):
    proposal = run.proposals.get()
    confirmation = confirm_all(coordinator_user, run, django_capture_on_commit_callbacks)
    assert Confirmation.objects.get(pk=confirmation.pk).as_offers is True
    offer = offer_of(run)
    assert (offer.incoming_id, offer.buddy_id, offer.proposal_id) == (
        proposal.incoming_id,
        proposal.buddy_id,
        proposal.pk,
    )
    assert offer.status == Offer.Status.PENDING and offer.score == proposal.score
    assert offer.details == proposal.details and offer.breakdown == proposal.breakdown
    assert timedelta(days=4, hours=23) < offer.expires_at - timezone.now() <= timedelta(days=5)
    assert not Pair.objects.exists()  # nothing is paired before the buddy accepts
    assert Proposal.objects.get().status == Proposal.Status.CONFIRMED
    # one email, to the buddy only, in their language (French), with the reasons in words
    [message] = mail.outbox
    assert message.to == ["lucas@example.org"]
    assert message.subject == "Voulez-vous être le buddy de Ana ?"
    assert "Cooking" in message.body and "Espagne" in message.body
    assert "https://lille.localhost/account/" in message.body
    for private in ("Garcíaprivate", "ana@example.org", "+34 600 000 000", "2003", "ans d'écart"):
        assert private not in message.body and private not in message.alternatives[0][0]
    assert AuditEvent.objects.filter(action="offer_made", actor=coordinator_user).count() == 1
    # a retried confirmation (the task again, a double click) makes no second offer or email
    with django_capture_on_commit_callbacks(execute=True):
        services.execute_confirmation(confirmation.pk)
        Confirmation.objects.filter(pk=confirmation.pk).update(status="running")
        services.execute_confirmation(confirmation.pk)
        again = services.confirm_proposals(coordinator_user, [proposal.pk], as_offers=True)
    assert again.done == 0
    assert Offer.objects.count() == 1 and len(emails_named(OFFER_EMAIL)) == 1
    assert len(mail.outbox) == 1


def test_a_pending_offer_holds_the_student_and_a_place_of_the_buddy(
    run, coordinator_user, django_capture_on_commit_callbacks
):
    offer = run.proposals.get()
    confirm_all(coordinator_user, run, django_capture_on_commit_callbacks)
    offer = offer_of(run)
    assert not profile_is_waiting(offer.incoming)
    assert offer.incoming not in waiting_incoming()
    assert available_buddies().get(pk=offer.buddy_id).free_places == 0
    # a run does not propose the offered student again, nor count the buddy's held place
    with django_capture_on_commit_callbacks(execute=True):
        later = services.request_match_run(coordinator_user)
    later.refresh_from_db()
    assert later.incoming_count == 0 and later.buddy_count == 0
    assert not later.proposals.exists()
    # nor can a coordinator pair the full buddy with someone else by hand, or offer the
    # offered student to another buddy
    set_mode(COORDINATOR_MODE)
    with pytest.raises(PairNotPossible):
        services.create_pair_by_hand(coordinator_user, ProfileFactory(), offer.buddy)
    with pytest.raises(PairNotPossible):
        services.create_pair_by_hand(coordinator_user, offer.incoming, ProfileFactory(buddy=True))


# --- the buddy's answer --------------------------------------------------------------------


def test_accepting_makes_the_pair_and_emails_both_once(
    run, lille, client_for, coordinator_user, django_capture_on_commit_callbacks
):
    confirm_all(coordinator_user, run, django_capture_on_commit_callbacks)
    offer = offer_of(run)
    mail.outbox.clear()
    buddy = client_for(lille, offer.buddy.user)
    page = buddy.get("/account/").content.decode()
    assert "Would you be Ana's buddy?" in page and "Cooking" in page
    assert "arrives while you are available" in page and "years apart" not in page
    assert "Garcíaprivate" not in page and "ana@example.org" not in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = buddy.post(f"/account/offers/{offer.pk}/accept/", follow=True)
    assert "You both get an email" in answer.content.decode()
    pair = Pair.objects.get()
    assert (pair.incoming_id, pair.buddy_id, pair.origin) == (
        offer.incoming_id,
        offer.buddy_id,
        Pair.Origin.OFFER,
    )
    assert pair.proposal_id == offer.proposal_id and pair.score == offer.score
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED and offer.pair == pair and offer.decided_at
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "lucas@example.org"]
    # accepting again: a clear message, nothing made or sent twice
    with django_capture_on_commit_callbacks(execute=True):
        again = buddy.post(f"/account/offers/{offer.pk}/accept/", follow=True)
    assert again.status_code == 200 and "already accepted" in again.content.decode()
    assert Pair.objects.count() == 1 and len(emails_named(PAIR_CONFIRMED_EMAIL)) == 2
    assert len(mail.outbox) == 2
    assert AuditEvent.objects.filter(action="offer_accepted").count() == 1
    # the offer has left the account page; the pair shows instead
    page = buddy.get("/account/").content.decode()
    assert "Would you be" not in page and "ana@example.org" in page


def test_declining_puts_the_student_back_and_the_next_run_avoids_the_pair(
    run, lille, client_for, coordinator_user, django_capture_on_commit_callbacks
):
    confirm_all(coordinator_user, run, django_capture_on_commit_callbacks)
    offer = offer_of(run)
    buddy = client_for(lille, offer.buddy.user)
    too_long = buddy.post(f"/account/offers/{offer.pk}/decline/", {"reason": "x" * 301})
    assert too_long.status_code == 302
    assert Offer.objects.get().status == Offer.Status.PENDING  # refused, with a message
    message = buddy.get("/account/").content.decode()
    assert "at most 300 characters" in message
    answer = buddy.post(
        f"/account/offers/{offer.pk}/decline/", {"reason": "  I am away in March "}, follow=True
    )
    assert "Declined" in answer.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED and offer.decline_reason == "I am away in March"
    assert ForbiddenPair.objects.filter(incoming=offer.incoming, buddy=offer.buddy).exists()
    assert profile_is_waiting(offer.incoming)
    assert available_buddies().get(pk=offer.buddy_id).free_places == 1
    assert not Pair.objects.exists()
    assert AuditEvent.objects.filter(action="offer_declined").count() == 1
    # the next run has both back, and does not propose them together again
    with django_capture_on_commit_callbacks(execute=True):
        later = services.request_match_run(coordinator_user)
    later.refresh_from_db()
    assert (later.incoming_count, later.buddy_count, later.matched) == (1, 1, 0)
    # declining again: a clear message
    again = buddy.post(f"/account/offers/{offer.pk}/decline/", follow=True)
    assert "already declined" in again.content.decode()


def test_unanswered_offers_expire_through_the_periodic_task(
    run, lille, in_section, client_for, coordinator_user, django_capture_on_commit_callbacks
):
    confirm_all(coordinator_user, run, django_capture_on_commit_callbacks)
    offer = offer_of(run)
    assert offer_tasks.expire_offers.delay().get() == 0  # not due yet
    Offer.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert offer_tasks.expire_offers.delay().get() == 1
    assert offer_tasks.expire_offers.delay().get() == 0  # idempotent
    offer.refresh_from_db()
    assert offer.status == Offer.Status.EXPIRED and offer.decided_at
    assert ForbiddenPair.objects.filter(incoming=offer.incoming, buddy=offer.buddy).exists()
    assert profile_is_waiting(offer.incoming)
    assert AuditEvent.objects.filter(action="offers_expired", actor=None).count() == 1
    # answering an expired offer: a clear message, nothing made
    answer = client_for(lille, offer.buddy.user).post(
        f"/account/offers/{offer.pk}/accept/", follow=True
    )
    assert answer.status_code == 200 and "expired" in answer.content.decode()
    assert not Pair.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        later = services.request_match_run(coordinator_user)
    later.refresh_from_db()
    assert (later.incoming_count, later.matched) == (1, 0)


def test_an_offer_past_its_time_that_the_task_has_not_swept_cannot_be_accepted(
    run, lille, client_for, coordinator_user, django_capture_on_commit_callbacks
):
    confirm_all(coordinator_user, run, django_capture_on_commit_callbacks)
    offer = offer_of(run)
    Offer.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    buddy = client_for(lille, offer.buddy.user)
    assert "Would you be" not in buddy.get("/account/").content.decode()
    answer = buddy.post(f"/account/offers/{offer.pk}/accept/", follow=True)
    assert "expired" in answer.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.EXPIRED  # kept, though the answer was refused
    assert ForbiddenPair.objects.exists() and not Pair.objects.exists()


def test_another_student_cannot_answer_someone_elses_offer(
    run, lille, in_section, client_for, coordinator_user, django_capture_on_commit_callbacks
):
    confirm_all(coordinator_user, run, django_capture_on_commit_callbacks)
    offer = offer_of(run)
    for someone in (ProfileFactory(buddy=True), offer.incoming):
        client = client_for(lille, someone.user)
        for action in ("accept", "decline"):
            answer = client.post(f"/account/offers/{offer.pk}/{action}/", follow=True)
            assert answer.status_code == 200
            assert "This offer is not yours to answer." in answer.content.decode()
        assert "Would you be" not in client.get("/account/").content.decode()
    assert Offer.objects.get().status == Offer.Status.PENDING and not Pair.objects.exists()
    # a GET answers nothing; an id of no offer is not found
    owner = client_for(lille, offer.buddy.user)
    assert owner.get(f"/account/offers/{offer.pk}/accept/").status_code == 405
    assert owner.post(f"/account/offers/{offer.pk + 1000}/accept/").status_code == 404


def test_another_section_neither_sees_nor_answers_lilles_offers(
    run, lille, paris, in_section, client_for, coordinator_user, django_capture_on_commit_callbacks
):
    confirm_all(coordinator_user, run, django_capture_on_commit_callbacks)
    offer = offer_of(run)
    with in_section(paris):
        paris_buddy = ProfileFactory(buddy=True)
        paris_coordinator = User.objects.get(is_coordinator=True)
        assert not Offer.objects.exists()
    client = client_for(paris, paris_buddy.user)
    assert client.post(f"/account/offers/{offer.pk}/accept/").status_code == 404
    page = client_for(paris, paris_coordinator).get("/coordinator/matching/offers/")
    assert page.status_code == 200 and "Lucas" not in page.content.decode()
    with in_section(lille):
        assert Offer.objects.get().status == Offer.Status.PENDING


def test_an_offer_not_possible_any_more_when_accepted_is_withdrawn(
    run, lille, client_for, coordinator_user, django_capture_on_commit_callbacks
):
    confirm_all(coordinator_user, run, django_capture_on_commit_callbacks)
    offer = offer_of(run)
    # the incoming student's stay was shortened to the past meanwhile
    Profile.objects.filter(pk=offer.incoming_id).update(
        departure_date=timezone.localdate() - timedelta(days=1)
    )
    answer = client_for(lille, offer.buddy.user).post(
        f"/account/offers/{offer.pk}/accept/", follow=True
    )
    assert "no longer possible" in answer.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN and not Pair.objects.exists()


def test_a_student_leaving_withdraws_their_pending_offers(
    run, coordinator_user, django_capture_on_commit_callbacks
):
    confirm_all(coordinator_user, run, django_capture_on_commit_callbacks)
    offer = offer_of(run)
    core_services.withdraw(offer.incoming)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    assert not ForbiddenPair.objects.exists()


# --- modes -----------------------------------------------------------------------------------


def test_switching_modes_leaves_open_offers_answerable_and_new_confirmations_follow_the_mode(
    run, lille, in_section, client_for, coordinator_user, django_capture_on_commit_callbacks
):
    """Decided: an open offer stays answerable until it is answered, withdrawn or expires,
    whatever the mode; a confirmation follows the mode at the time the coordinator confirmed
    (recorded with it), and later ones follow the new mode."""
    confirm_all(coordinator_user, run, django_capture_on_commit_callbacks)
    offer = offer_of(run)
    set_mode(COORDINATOR_MODE)
    # a second student and buddy, proposed by a new run, confirmed in the coordinator mode
    ProfileFactory(user__first_name="Bea")
    ProfileFactory(buddy=True, user__first_name="Noor")
    with django_capture_on_commit_callbacks(execute=True):
        later = services.request_match_run(coordinator_user)
    assert later.proposals.count() == 1
    confirm_all(coordinator_user, later, django_capture_on_commit_callbacks)
    assert Pair.objects.filter(origin=Pair.Origin.RUN).count() == 1
    assert Offer.objects.count() == 1  # no new offer
    # the open offer is still on the buddy's page and can be accepted
    buddy = client_for(lille, offer.buddy.user)
    assert "Would you be Ana" in buddy.get("/account/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        buddy.post(f"/account/offers/{offer.pk}/accept/")
    assert Pair.objects.filter(origin=Pair.Origin.OFFER, buddy=offer.buddy).count() == 1
    # a confirmation asked in the accept mode stays one of offers if the mode changes before
    # its task runs
    set_mode(ACCEPT)
    ProfileFactory(user__first_name="Chidi")
    ProfileFactory(buddy=True, user__first_name="Dara")
    with django_capture_on_commit_callbacks(execute=True):
        third = services.request_match_run(coordinator_user)
    with django_capture_on_commit_callbacks(execute=False):
        confirmation = services.start_confirmation(coordinator_user, third)
    set_mode(COORDINATOR_MODE)
    services.execute_confirmation(confirmation.pk)
    assert Offer.objects.filter(proposal__run=third, status=Offer.Status.PENDING).count() == 1


def test_a_suggestion_by_hand_is_offered_in_accept_mode(
    lille, in_section, coordinator, coordinator_user, django_capture_on_commit_callbacks
):
    with in_section(lille):
        set_mode(ACCEPT)
        incoming = ProfileFactory()
        buddy = ProfileFactory(buddy=True)
    page = coordinator.get("/coordinator/matching/pairs/new/").content.decode()
    assert "Offer it to the buddy" in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = coordinator.post(
            "/coordinator/matching/pairs/new/",
            {"incoming": incoming.pk, "buddy": buddy.pk, "action": "create"},
        )
    assert answer.status_code == 302 and answer["Location"] == "/coordinator/matching/offers/"
    with in_section(lille):
        offer = Offer.objects.get()
        assert (offer.incoming, offer.buddy, offer.proposal) == (incoming, buddy, None)
        assert offer.score > 0 and offer.details["shared_languages"]
        assert not Pair.objects.exists()
        assert [m.to for m in mail.outbox] == [[buddy.user.email]]


# --- the coordinators' page -------------------------------------------------------------------


def test_coordinators_see_offers_by_status_and_withdraw_a_pending_one(
    run, lille, coordinator, coordinator_user, django_capture_on_commit_callbacks
):
    confirm_all(coordinator_user, run, django_capture_on_commit_callbacks)
    offer = offer_of(run)
    declined = Offer.objects.create(
        incoming=ProfileFactory(user__first_name="Zuzana"),
        buddy=ProfileFactory(buddy=True),
        status=Offer.Status.DECLINED,
        decline_reason="Exams all month",
        expires_at=timezone.now(),
    )
    page = coordinator.get("/coordinator/matching/offers/").content.decode()
    assert "Ana" in page and "Zuzana" in page and "Exams all month" in page
    pending = coordinator.get("/coordinator/matching/offers/?status=pending").content.decode()
    assert "Ana" in pending and "Zuzana" not in pending
    assert coordinator.get("/coordinator/matching/offers/?status=nonsense").status_code == 200
    assert coordinator.get("/coordinator/matching/offers/?page=x").status_code == 200
    assert (
        'href="/coordinator/matching/offers/"'
        in coordinator.get("/coordinator/matching/").content.decode()
    )
    withdrawn = coordinator.post(f"/coordinator/matching/offers/{offer.pk}/withdraw/", follow=True)
    assert "Offer withdrawn" in withdrawn.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN and offer.decided_by == coordinator_user
    assert profile_is_waiting(offer.incoming) and not ForbiddenPair.objects.exists()
    assert AuditEvent.objects.filter(action="offer_withdrawn", actor=coordinator_user).exists()
    again = coordinator.post(f"/coordinator/matching/offers/{declined.pk}/withdraw/", follow=True)
    assert "already declined" in again.content.decode()
    assert coordinator.post("/coordinator/matching/offers/999999/withdraw/").status_code == 404
    # the buddy can no longer answer the withdrawn offer
    with pytest.raises(offers.OfferClosed):
        offers.accept_offer(offer.buddy, offer.pk)


def test_the_offers_page_lists_a_page_in_a_constant_number_of_queries(
    lille, in_section, coordinator
):
    def queries_with(offers_in_section: int) -> int:
        with in_section(lille):
            for _ in range(offers_in_section - Offer.objects.count()):
                Offer.objects.create(
                    incoming=ProfileFactory(),
                    buddy=ProfileFactory(buddy=True),
                    expires_at=timezone.now() + timedelta(days=3),
                )
        with CaptureQueriesContext(connection) as queries:
            assert coordinator.get("/coordinator/matching/offers/").status_code == 200
        return len(queries)

    queries_with(1)  # the section's lookup and the session, cached from then on
    assert queries_with(2) == queries_with(12)


def test_the_offer_on_the_account_page_is_in_the_buddys_language(
    run, lille, client_for, coordinator_user, django_capture_on_commit_callbacks
):
    from test_translations import english_texts_left_in

    confirm_all(coordinator_user, run, django_capture_on_commit_callbacks)
    offer = offer_of(run)
    page = client_for(lille, offer.buddy.user, language="fr").get("/account/").content.decode()
    assert "Voulez-vous être le buddy de Ana ?" in page and "Cooking" in page
    assert english_texts_left_in(page) == []


def test_confirming_on_the_review_page_in_accept_mode_says_offers_and_makes_them_in_batches(
    coordinator, lille, in_section, django_capture_on_commit_callbacks, monkeypatch
):
    from factories import MatchRunFactory, ProposalFactory

    monkeypatch.setattr(services, "CONFIRM_BATCH", 2)  # several batches
    with in_section(lille):
        set_mode(ACCEPT)
        run = MatchRunFactory()
        for _ in range(5):
            ProposalFactory(run=run, buddy=ProfileFactory(buddy=True, capacity=1))
    decide = f"/coordinator/matching/runs/{run.pk}/decide/"
    asked = coordinator.post(decide, {"action": "confirm_all"}).content.decode()
    assert "5 proposals will be offered to their buddies" in asked
    assert "Yes, offer 5 pairs" in asked
    with django_capture_on_commit_callbacks(execute=True):
        coordinator.post(decide, {"action": "confirm_all", "sure": "yes"})
    with in_section(lille):
        confirmation = Confirmation.objects.get()
        assert (confirmation.as_offers, confirmation.status, confirmation.confirmed) == (
            True,
            "done",
            5,
        )
        assert Offer.objects.filter(status=Offer.Status.PENDING).count() == 5
        assert not Pair.objects.exists()
        assert len(emails_named(OFFER_EMAIL)) == 5
    with in_section(lille):
        buddies = sorted(Offer.objects.values_list("buddy__user__email", flat=True))
    assert sorted(m.to[0] for m in mail.outbox) == buddies


def test_a_buddys_data_download_lists_their_offers_without_the_other_student(
    run, lille, client_for, coordinator_user, django_capture_on_commit_callbacks
):
    confirm_all(coordinator_user, run, django_capture_on_commit_callbacks)
    offer = offer_of(run)
    offers.decline_offer(offer.buddy, offer.pk, "Busy")
    data = client_for(lille, offer.buddy.user).get("/account/export/").json()
    assert [(row["status"], row["decline_reason"]) for row in data["offers"]] == [
        ("declined", "Busy")
    ]
    assert "Ana" not in str(data["offers"])


def test_the_dashboard_counts_pending_and_turned_down_offers(
    run, lille, coordinator, coordinator_user, django_capture_on_commit_callbacks
):
    assert "Offers to buddies" not in coordinator.get("/coordinator/").content.decode()
    confirm_all(coordinator_user, run, django_capture_on_commit_callbacks)
    Offer.objects.create(
        incoming=ProfileFactory(),
        buddy=ProfileFactory(buddy=True),
        status=Offer.Status.EXPIRED,
        expires_at=timezone.now(),
        decided_at=timezone.now() - timedelta(days=1),
    )
    page = coordinator.get("/coordinator/").content.decode()
    assert "1 offer waits for the buddy's answer" in page
    assert "1 offer declined or expired this week" in page
    assert 'href="/coordinator/matching/offers/?status=pending"' in page
