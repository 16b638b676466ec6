"""Confirming, making and ending pairs, and the emails each pair sends exactly once."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from core import services as core_services
from core.models import AuditEvent, Profile, SectionSettings
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from factories import HobbyFactory, ProfileFactory
from matching import actions, pairs, services
from matching.emails import PAIR_CONFIRMED_EMAIL, PAIR_ENDED_EMAIL
from matching.models import MatchRun, Pair, PinnedPair, Proposal
from matching.pairs import PairNotPossible

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(lille, in_section, coordinator_user, django_capture_on_commit_callbacks):
    with in_section(lille):
        cooking = HobbyFactory(name="Cooking")
        ana = ProfileFactory(
            user__email="ana@example.org",
            user__first_name="Ana",
            user__last_name="García",
            language="en",
            birth_date=date(2003, 5, 17),
            gender=Profile.Gender.WOMAN,
            faculty="Maritime Archaeology",
            home_university="Universidad de Granada",
            about="I am allergic to cats.",
            instagram="",  # not shared
        )
        lucas = ProfileFactory(
            buddy=True,
            user__email="lucas@example.org",
            user__first_name="Lucas",
            user__last_name="Martin",
            language="fr",
            birth_date=date(2001, 9, 23),
            gender=Profile.Gender.NON_BINARY,
            faculty="Oceanography",
            about="Je joue du hautbois la nuit.",
        )
        ana.hobbies.add(cooking)
        lucas.hobbies.add(cooking)
        with django_capture_on_commit_callbacks(execute=True):
            services.request_match_run(coordinator_user)
        yield Proposal.objects.get()


def private_details(profile: Profile, language: str) -> list[str]:
    """What a pair never discloses of a student, as an email in `language` could show it."""
    born = profile.birth_date
    with translation.override(language):
        gender = str(profile.get_gender_display())
    details = [
        str(born.year),
        born.isoformat(),
        f"{born:%d/%m}",
        profile.about,
        profile.home_university,
        profile.faculty,
        gender,
        profile.gender,
    ]
    return [detail for detail in details if detail]


def bodies(message) -> str:
    return message.body + "\n" + message.alternatives[0][0]


def pair_emails_sent() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(name=PAIR_CONFIRMED_EMAIL, status="sent"))


def test_confirming_makes_the_pair_and_emails_both_in_their_language(
    proposal, coordinator_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.confirm_proposals(coordinator_user, [proposal.pk])
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
    assert "Lucas Martin" in to_ana.body and "lucas@example.org" in to_ana.body
    assert "+33 6 00 00 00 00" in to_ana.body and "@lucas.fr" in to_ana.body
    assert "You share a hobby: Cooking." in to_ana.body
    assert to_lucas.subject == "Faites connaissance avec votre buddy : Ana"
    assert "Vous avez un loisir en commun : Cooking." in to_lucas.body
    assert "Ana García" in to_lucas.body and "ana@example.org" in to_lucas.body
    assert "+34 600 000 000" in to_lucas.body
    assert "Instagram" not in bodies(to_lucas)  # Ana shares none
    # nothing private of the other student, in the text or the HTML
    for message, recipient, other in (
        (to_ana, pair.incoming, pair.buddy),
        (to_lucas, pair.buddy, pair.incoming),
    ):
        for detail in private_details(other, recipient.language):
            assert detail.lower() not in bodies(message).lower(), (message.to, detail)
    assert AuditEvent.objects.filter(action="pair_confirmed", actor=coordinator_user).count() == 1
    assert {row.key for row in pair_emails_sent()} == {
        f"pair-confirmed:{pair.pk}:{pair.incoming_id}",
        f"pair-confirmed:{pair.pk}:{pair.buddy_id}",
    }


def test_a_double_click_confirms_once_and_emails_once(
    proposal, coordinator_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_proposals(coordinator_user, [proposal.pk])
        second = services.confirm_proposals(coordinator_user, [proposal.pk])
    assert (second.done, second.skipped) == (0, 1)
    assert Pair.objects.count() == 1
    assert len(mail.outbox) == 2


def test_writing_a_pairs_emails_again_sends_nothing_twice(
    proposal, coordinator_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_proposals(coordinator_user, [proposal.pk])
    pair = Pair.objects.get()
    # a retried task writes the same keys again, and the relay runs again
    with django_capture_on_commit_callbacks(execute=True):
        for student in (pair.incoming_id, pair.buddy_id):
            outbox.send_email(
                f"pair-confirmed:{pair.pk}:{student}",
                PAIR_CONFIRMED_EMAIL,
                pair=pair.pk,
                profile=student,
            )
    assert outbox.relay(now=timezone.now() + timedelta(days=1)).sent == 0
    assert len(mail.outbox) == 2
    assert len(pair_emails_sent()) == 2
    assert OutboxMessage.objects.filter(name=PAIR_CONFIRMED_EMAIL).count() == 2


def test_a_failed_email_is_sent_by_the_retry_and_only_then(
    settings, proposal, coordinator_user, django_capture_on_commit_callbacks
):
    from portal_helpers import FailingOnceBackend

    settings.EMAIL_BACKEND = "portal_helpers.FailingOnceBackend"
    FailingOnceBackend.failures_left = 1
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_proposals(coordinator_user, [proposal.pk])
    assert FailingOnceBackend.failures_left == 0
    # the other student's email is not held up by the failed one
    [sent] = mail.outbox
    [failed] = OutboxMessage.objects.filter(name=PAIR_CONFIRMED_EMAIL, status="pending")
    assert failed.attempts == 1 and failed.last_error == "SMTPException"
    assert failed.next_attempt_at - failed.created_at >= timedelta(minutes=1)
    assert outbox.relay().sent == 0  # not before its time
    assert outbox.relay(now=failed.next_attempt_at + timedelta(seconds=1)).sent == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "lucas@example.org"]
    assert mail.outbox[0] is sent
    assert len(pair_emails_sent()) == 2


def test_a_proposal_no_longer_possible_is_skipped(
    proposal, coordinator_user, lille, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        other_buddy = ProfileFactory(buddy=True)
        services.create_pair_by_hand(coordinator_user, proposal.incoming, other_buddy)
        decision = services.confirm_proposals(coordinator_user, [proposal.pk])
    assert (decision.done, decision.skipped) == (0, 1)
    assert Pair.objects.filter(incoming=proposal.incoming).count() == 1
    assert Proposal.objects.get(pk=proposal.pk).status == "proposed"


def test_a_pair_by_hand_that_breaks_a_hard_constraint_needs_consent(
    coordinator_user, lille, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        incoming = ProfileFactory(languages=["ja"])
        buddy = ProfileFactory(buddy=True)
        with pytest.raises(services.BrokenConstraints) as warned:
            services.create_pair_by_hand(coordinator_user, incoming, buddy)
        assert warned.value.constraints == ("common_language",)
        assert not Pair.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            pair = services.create_pair_by_hand(
                coordinator_user, incoming, buddy, accept_broken_constraints=True
            )
        assert pair.broken_constraints == ["common_language"]
        assert AuditEvent.objects.get(action="pair_created_by_hand").details[
            "broken_constraints"
        ] == ["common_language"]
    assert len(mail.outbox) == 2


def test_a_full_buddy_cannot_take_one_more(coordinator_user, lille, in_section):
    with in_section(lille):
        buddy = ProfileFactory(buddy=True, capacity=1)
        services.create_pair_by_hand(coordinator_user, ProfileFactory(), buddy)
        with pytest.raises(PairNotPossible) as refused:
            services.create_pair_by_hand(coordinator_user, ProfileFactory(), buddy)
        assert refused.value.reason == "buddy full"
        assert Pair.objects.count() == 1


@pytest.mark.parametrize(
    ("situation", "reason"),
    [
        ("fine", None),
        ("roles swapped", "roles"),
        ("incoming withdrew", "not taking part"),
        ("buddy deactivated", "not taking part"),
        ("incoming unverified", "not verified"),
        ("stay over", "stay over"),
        ("buddy no longer available", "stay over"),
        ("incoming already paired", "already paired"),
        ("buddy full", "buddy full"),
    ],
)
def test_a_pair_is_made_only_if_both_students_can_be_paired_now(
    situation, reason, coordinator_user, lille, in_section, django_capture_on_commit_callbacks
):
    yesterday = timezone.localdate() - timedelta(days=1)
    with in_section(lille):
        incoming, buddy = ProfileFactory(), ProfileFactory(buddy=True, capacity=1)
        changes = {
            "incoming withdrew": (incoming, {"status": Profile.Status.WITHDRAWN}),
            "buddy deactivated": (buddy, {"status": Profile.Status.DEACTIVATED}),
            "incoming unverified": (incoming, {"email_verified_at": None}),
            "stay over": (incoming, {"departure_date": yesterday}),
            "buddy no longer available": (buddy, {"available_until": yesterday}),
        }
        if situation in changes:  # changed since the profiles were read
            student, fields = changes[situation]
            Profile.objects.filter(pk=student.pk).update(**fields)
        elif situation == "incoming already paired":
            pairs.make_pair(coordinator_user, incoming, ProfileFactory(buddy=True))
        elif situation == "buddy full":
            pairs.make_pair(coordinator_user, ProfileFactory(), buddy)
        before = Pair.objects.count()
        emails_before = OutboxMessage.objects.filter(name=PAIR_CONFIRMED_EMAIL).count()
        args = (buddy, incoming) if situation == "roles swapped" else (incoming, buddy)
        with django_capture_on_commit_callbacks(execute=True):
            if reason is None:
                pair = pairs.make_pair(coordinator_user, *args)
                assert (pair.incoming, pair.buddy) == (incoming, buddy)
            else:
                with pytest.raises(PairNotPossible) as refused:
                    pairs.make_pair(coordinator_user, *args)
                assert refused.value.reason == reason
        assert Pair.objects.count() == before + (reason is None)
        emails = OutboxMessage.objects.filter(name=PAIR_CONFIRMED_EMAIL).count()
        assert emails == emails_before + 2 * (reason is None)
    if reason is None:
        assert sorted(m.to[0] for m in mail.outbox) == sorted(
            [incoming.user.email, buddy.user.email]
        )


def test_making_a_pair_drops_the_incoming_students_pin(
    coordinator_user, lille, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        incoming, buddy = ProfileFactory(), ProfileFactory(buddy=True)
        services.pin_pair(coordinator_user, incoming, buddy)
        pairs.make_pair(coordinator_user, incoming, buddy)
        assert not PinnedPair.objects.exists()


def test_ending_a_pair_tells_both_and_puts_the_student_back_in_the_waiting_pool(
    coordinator_user, lille, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        incoming = ProfileFactory(user__email="ana@example.org", language="en")
        buddy = ProfileFactory(
            buddy=True, capacity=1, user__email="lucas@example.org", language="fr"
        )
        with django_capture_on_commit_callbacks(execute=False):  # its emails wait
            pair = services.create_pair_by_hand(coordinator_user, incoming, buddy)
        with django_capture_on_commit_callbacks(execute=True):
            ended = pairs.end_pair(
                coordinator_user, pair, Pair.EndReason.COORDINATOR, note="buddy dropped out"
            )
            again = pairs.end_pair(coordinator_user, pair, Pair.EndReason.COORDINATOR, note="twice")
        assert (ended, again) == (True, False)  # and no second audit line
        pair.refresh_from_db()
        assert (pair.end_reason, pair.end_note) == ("coordinator", "buddy dropped out")
        assert pair.ended_at is not None
        [event] = AuditEvent.objects.filter(action=actions.PAIR_ENDED)
        assert (event.actor, event.details) == (
            coordinator_user,
            {"pair": pair.pk, "reason": "coordinator"},
        )
        # the pair ended before its confirmation emails went out: those are not sent
        assert set(
            OutboxMessage.objects.filter(name=PAIR_CONFIRMED_EMAIL).values_list("status", flat=True)
        ) == {"skipped"}
        to_ana = next(m for m in mail.outbox if m.to == ["ana@example.org"])
        to_lucas = next(m for m in mail.outbox if m.to == ["lucas@example.org"])
        assert len(mail.outbox) == 2
        assert to_ana.subject == "Your buddy pair has ended"
        assert "The coordinators have ended your buddy pair." in to_ana.body
        assert "buddy dropped out" not in bodies(to_ana) + bodies(to_lucas)  # for coordinators
        assert "Les coordinateurs ont mis fin à votre binôme." in to_lucas.body
        ProfileFactory(buddy=True)
        with django_capture_on_commit_callbacks(execute=True):
            run = services.request_match_run(coordinator_user, only_for=[incoming.pk])
        assert MatchRun.objects.get(pk=run.pk).matched == 1


@pytest.mark.parametrize(
    ("leaves", "end_reason"),
    [
        ("withdraw", "withdrew"),
        ("deactivate", "deactivated"),
        ("erase", "account_deleted"),
    ],
)
def test_a_student_who_leaves_ends_their_pairs_and_the_other_is_told(
    leaves, end_reason, coordinator_user, lille, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        lucas = ProfileFactory(buddy=True, capacity=2, user__first_name="Lucas", language="en")
        ana = ProfileFactory(user__email="ana@example.org", language="en")
        eva = ProfileFactory(user__email="eva@example.org", language="en")
        with django_capture_on_commit_callbacks(execute=True):
            first = pairs.make_pair(coordinator_user, ana, lucas)
            run = services.request_match_run(coordinator_user)
        open_proposal = Proposal.objects.get(run=run)
        assert (open_proposal.incoming, open_proposal.buddy) == (eva, lucas)
        services.pin_pair(coordinator_user, ProfileFactory(), lucas)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            if leaves == "withdraw":
                core_services.withdraw(lucas)
            elif leaves == "deactivate":
                core_services.deactivate_profile(coordinator_user, lucas)
            else:
                core_services.erase_student(lucas.user, action=AuditEvent.Action.ACCOUNT_DELETED)
        first.refresh_from_db()
        assert first.ended_at is not None and first.end_reason == end_reason
        if leaves == "erase":  # the profile's proposals and pins went with it
            assert not Proposal.objects.filter(pk=open_proposal.pk).exists()
        else:
            assert Proposal.objects.get(pk=open_proposal.pk).status == "withdrawn"
        assert not PinnedPair.objects.exists()
        assert AuditEvent.objects.filter(action=actions.PAIR_ENDED).count() == 1
        ended_emails = OutboxMessage.objects.filter(name=PAIR_ENDED_EMAIL)
        assert [row.key for row in ended_emails] == [f"pair-ended:{first.pk}:{ana.pk}"]
    # only the student who remains is told, and by name unless the leaver's account is gone
    [told] = mail.outbox
    assert told.to == ["ana@example.org"] and told.subject == "Your buddy pair has ended"
    if leaves == "erase":
        assert "Your buddy is no longer taking part" in told.body and "Lucas" not in told.body
    else:
        assert "Lucas is no longer taking part in the buddy programme" in told.body


def test_pairs_end_some_days_after_the_stay_and_nobody_is_told(
    coordinator_user, lille, in_section, django_capture_on_commit_callbacks
):
    today = timezone.localdate()

    def pair_leaving(days_ago: int) -> Pair:
        incoming = ProfileFactory(
            arrival_date=today - timedelta(days=120),
            departure_date=today + timedelta(days=1),
        )
        pair = pairs.make_pair(coordinator_user, incoming, ProfileFactory(buddy=True))
        Profile.objects.filter(pk=incoming.pk).update(
            departure_date=today - timedelta(days=days_ago)
        )
        return pair

    with in_section(lille):
        with django_capture_on_commit_callbacks(execute=True):
            left_long_ago, left_a_week_ago = pair_leaving(8), pair_leaving(7)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert pairs.end_finished_stays() == 1
        assert Pair.objects.get(pk=left_long_ago.pk).end_reason == "stay_ended"
        assert Pair.objects.get(pk=left_a_week_ago.pk).ended_at is None
        SectionSettings.objects.update(pair_ends_days_after_stay=3)
        with django_capture_on_commit_callbacks(execute=True):
            assert pairs.end_finished_stays() == 1
            assert pairs.end_finished_stays() == 0
        assert Pair.objects.get(pk=left_a_week_ago.pk).end_reason == "stay_ended"
        assert AuditEvent.objects.filter(action=actions.PAIR_ENDED, actor=None).count() == 2
        assert not OutboxMessage.objects.filter(name=PAIR_ENDED_EMAIL).exists()
    assert mail.outbox == []


def test_the_portal_shows_the_waiting_list_then_the_buddy(
    lille, in_section, coordinator_user, django_capture_on_commit_callbacks
):
    from django.test import Client

    with in_section(lille):
        student = ProfileFactory(user__email="ana@example.org")
        with django_capture_on_commit_callbacks(execute=True):
            run = services.request_match_run(coordinator_user)  # no buddy at all
        client = Client(HTTP_HOST=lille.host)
        client.cookies["django_language"] = "en"
        client.force_login(student.user)
    # not before the coordinator has reviewed the run
    assert "You are on the waiting list" not in client.get("/account/").content.decode()
    with in_section(lille), django_capture_on_commit_callbacks(execute=True):
        services.tell_waiting_students(coordinator_user, run)
    page = client.get("/account/").content.decode()
    assert "You are on the waiting list" in page
    assert "already has as many students as they can take" in page
    with in_section(lille):
        buddy = ProfileFactory(buddy=True, user__email="lucas@example.org")
        Pair.objects.create(incoming=student, buddy=buddy, confirmed_at=timezone.now())
    assert "lucas@example.org" in client.get("/account/").content.decode()
