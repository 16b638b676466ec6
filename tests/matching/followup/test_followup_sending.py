"""The follow-up emails: due when they should be, in each student's language, sent once."""

from datetime import timedelta
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from core.models import Profile, SectionSettings
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from matching.followup import services
from matching.followup.emails import CHECKIN_EMAIL
from matching.followup.models import CheckIn, MeetingReminder, SurveyResponse
from matching.followup.tasks import send_follow_ups
from tenants.tasks import run_in_every_section

pytestmark = pytest.mark.django_db

TASK = "matching.followup.tasks.send_follow_ups"


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def sent_with(in_section, django_capture_on_commit_callbacks):
    """`sent_with(section, now=None)`: the follow-ups due in the section are written, then
    committed, so that the outbox relays their emails."""

    def send(section, now=None) -> services.Sent:
        with in_section(section), django_capture_on_commit_callbacks(execute=True):
            return services.send_due_follow_ups(now)

    return send


# --- check-ins -------------------------------------------------------------------------------
def test_checkins_wait_for_the_section_delay(make_pair, lille, in_section, sent_with):
    early = make_pair(confirmed=6)
    due = make_pair(confirmed=7)
    assert sent_with(lille) == services.Sent(checkins=2)
    assert recipients() == ["ana1@example.org", "lucas1@example.org"]
    with in_section(lille):
        assert set(CheckIn.objects.values_list("pair", flat=True)) == {due.pk}
    # two days later the other pair is due too
    later = timezone.now() + timedelta(days=2)
    assert sent_with(lille, later) == services.Sent(checkins=2)
    with in_section(lille):
        assert CheckIn.objects.filter(pair=early).count() == 2


def test_the_delay_is_the_sections_setting(make_pair, lille, in_section, sent_with):
    with in_section(lille):
        SectionSettings.objects.update_or_create(pk=1, defaults={"checkin_after_days": 3})
    make_pair(confirmed=2)
    make_pair(confirmed=4)
    assert sent_with(lille) == services.Sent(checkins=2)
    assert recipients() == ["ana1@example.org", "lucas1@example.org"]


def test_no_checkin_for_stale_pairs_departed_students_or_ended_pairs(
    make_pair, lille, in_section, sent_with
):
    make_pair(confirmed=7 + 31)  # turned on long after this pair was made
    make_pair(confirmed=10, arrived=130, departs=-1)  # the stay is over
    make_pair(confirmed=10, ended_at=timezone.now())
    assert sent_with(lille).checkins == 0
    assert not any("Have you met" in message.subject for message in mail.outbox)


def test_a_deactivated_student_gets_no_checkin_the_other_does(
    make_pair, lille, in_section, sent_with
):
    pair = make_pair()
    with in_section(lille):
        Profile.objects.filter(pk=pair.buddy_id).update(status=Profile.Status.DEACTIVATED)
    assert sent_with(lille) == services.Sent(checkins=1)
    assert recipients() == ["ana0@example.org"]
    assert sent_with(lille) == services.Sent()


def test_checkin_email_has_three_signed_answers_in_the_students_language(
    make_pair, lille, sent_with
):
    make_pair(incoming_language="en", buddy_language="fr")
    sent_with(lille)
    to_ana = next(m for m in mail.outbox if m.to == ["ana0@example.org"])
    to_lucas = next(m for m in mail.outbox if m.to == ["lucas0@example.org"])
    assert to_ana.subject == "Have you met Lucas0 yet?"
    assert to_lucas.subject == "Avez-vous déjà rencontré Ana0 ?"
    for label in ("Nous nous sommes rencontré·es", "Pas encore"):
        assert f"{label}: {lille.portal_url}/checkin/" in to_lucas.body
    for label in ("We have met", "Not yet", "I need a new buddy"):
        assert f"{label}: {lille.portal_url}/checkin/" in to_ana.body
        assert label in to_ana.alternatives[0][0]
    assert to_ana.body.count("/checkin/") == 3


# --- reminders -------------------------------------------------------------------------------
@pytest.fixture
def checked_in(make_pair, lille, in_section, sent_with):
    """A pair whose check-ins went out 4 days ago, unanswered; the incoming student arrived."""

    def make(**kwargs):
        pair = make_pair(**kwargs)
        sent_with(lille)
        with in_section(lille):
            CheckIn.objects.filter(pair=pair).update(sent_at=timezone.now() - timedelta(days=4))
        mail.outbox.clear()
        return pair

    return make


def test_the_buddy_is_reminded_once_when_the_incoming_student_arrived(
    checked_in, lille, in_section, sent_with
):
    pair = checked_in(arrived=0)
    assert sent_with(lille) == services.Sent(reminders=1)
    assert sent_with(lille) == services.Sent()
    (reminder,) = mail.outbox
    assert reminder.to == [pair.buddy.user.email]
    assert reminder.subject == "Ana0 est arrivé·e : place à la rencontre !"  # the buddy's French
    assert "ana0@example.org" in reminder.body and "/checkin/" in reminder.body
    with in_section(lille):
        assert MeetingReminder.objects.filter(pair=pair).count() == 1


@pytest.mark.parametrize(
    "situation",
    ["not_arrived", "met_by_incoming", "met_by_buddy", "new_buddy", "checkin_too_recent", "ended"],
)
def test_no_reminder_unless_arrived_and_no_meeting_reported(
    situation, checked_in, lille, in_section, sent_with
):
    pair = checked_in(arrived=-3 if situation == "not_arrived" else 2)
    with in_section(lille):
        checkins = CheckIn.objects.filter(pair=pair)
        if situation == "met_by_incoming":
            checkins.filter(profile=pair.incoming).update(answer="met")
        elif situation == "met_by_buddy":
            checkins.filter(profile=pair.buddy).update(answer="met")
        elif situation == "new_buddy":
            checkins.filter(profile=pair.incoming).update(answer="new_buddy")
        elif situation == "checkin_too_recent":
            checkins.update(sent_at=timezone.now() - timedelta(days=2))
        elif situation == "ended":
            type(pair).objects.filter(pk=pair.pk).update(ended_at=timezone.now())
    assert sent_with(lille) == services.Sent()
    assert mail.outbox == []


def test_a_not_yet_answer_still_gets_the_reminder_and_the_arrival_date_counts(
    checked_in, lille, in_section, sent_with
):
    pair = checked_in(arrived=-2)
    with in_section(lille):
        CheckIn.objects.filter(pair=pair).update(answer="not_yet")
    assert sent_with(lille) == services.Sent()
    in_three_days = timezone.now() + timedelta(days=3)
    assert sent_with(lille, in_three_days) == services.Sent(reminders=1)


# --- surveys ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("departs", "ended", "expected"),  # days from today, days ago, surveys
    [
        (-1, None, 2),  # stay just ended, pair still active
        (-20, 10, 2),  # pair ended after the stay
        (-1, 5, 0),  # pair ended before the stay did: ended for another reason
        (0, None, 0),  # leaves today: not over yet
        (-31, None, 0),  # ended too long ago when the follow-up first looked
    ],
)
def test_surveys_go_to_both_at_the_end_of_the_stay(
    departs, ended, expected, make_pair, lille, in_section, sent_with
):
    pair = make_pair(confirmed=150, arrived=140, departs=departs)
    if ended is not None:
        with in_section(lille):
            type(pair).objects.filter(pk=pair.pk).update(
                ended_at=timezone.now() - timedelta(days=ended)
            )
    assert sent_with(lille) == services.Sent(surveys=expected)
    assert len(mail.outbox) == expected
    if expected:
        assert recipients() == [pair.incoming.user.email, pair.buddy.user.email]
        assert all("/survey/" in message.body for message in mail.outbox)
        with in_section(lille):
            roles = sorted(SurveyResponse.objects.values_list("role", flat=True))
        assert roles == ["buddy", "incoming"]


# --- exactly once ----------------------------------------------------------------------------
def test_the_periodic_task_run_twice_sends_each_email_once(
    make_pair, checked_in, lille, paris, in_section, django_capture_on_commit_callbacks
):
    reminded = checked_in(arrived=1)
    make_pair()  # check-ins due
    make_pair(confirmed=150, arrived=140, departs=-2)  # surveys due
    make_pair(section=paris)  # check-ins due in paris too
    for _twice in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert run_in_every_section(TASK) >= 2
    subjects = sorted(message.subject for message in mail.outbox)
    assert len(mail.outbox) == 2 + 1 + 2 + 2, subjects
    assert len(set((tuple(m.to), m.subject) for m in mail.outbox)) == len(mail.outbox)
    # the incoming students write in English, the buddies in French
    assert sum("est arrivé" in s for s in subjects) == 1
    assert sum("two questions" in s or "deux questions" in s for s in subjects) == 2
    with in_section(lille):
        assert MeetingReminder.objects.get().pair_id == reminded.pk
        assert CheckIn.objects.count() == 2 + 2  # none for the old pair surveyed
        assert SurveyResponse.objects.count() == 2
        assert not OutboxMessage.objects.filter(status="pending").exists()
    with in_section(paris):
        assert CheckIn.objects.count() == 2
        checkins = OutboxMessage.objects.filter(name=CHECKIN_EMAIL)
        assert list(checkins.values_list("status", flat=True)) == ["sent", "sent"]
    # and once more, directly: nothing left to send
    with in_section(lille), django_capture_on_commit_callbacks(execute=True):
        assert send_follow_ups() == {"checkins": 0, "reminders": 0, "surveys": 0}
    assert len(mail.outbox) == 7


def test_a_failed_send_is_retried_minutes_later_and_holds_up_nobody(
    make_pair, lille, in_section, monkeypatch, sent_with
):
    pair, _other = make_pair(), make_pair()
    real_send = EmailBackend.send_messages
    failed_for = []

    def down_once_for_lucas0(backend, messages):
        if messages[0].to == ["lucas0@example.org"] and not failed_for:
            failed_for.append(messages[0].to[0])
            raise SMTPException("server gone")
        return real_send(backend, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", down_once_for_lucas0)
    assert sent_with(lille) == services.Sent(checkins=4)
    assert failed_for == ["lucas0@example.org"]
    # the other emails, of this pair and the other one, went out
    assert recipients() == ["ana0@example.org", "ana1@example.org", "lucas1@example.org"]
    with in_section(lille):
        # the claim stays: the outbox, not the follow-up, retries the email
        assert CheckIn.objects.count() == 4
        failed = OutboxMessage.objects.get(key=f"{CHECKIN_EMAIL}:{pair.pk}:{pair.buddy_id}")
        assert (failed.status, failed.attempts, failed.last_error) == (
            "pending",
            1,
            "SMTPException",
        )
        assert failed.next_attempt_at - failed.created_at >= timedelta(minutes=1)
    assert sent_with(lille) == services.Sent()  # the next follow-up run writes nothing again
    with in_section(lille):
        assert outbox.relay().sent == 0  # not before its time
        assert outbox.relay(now=failed.next_attempt_at).sent == 1
        failed.refresh_from_db()
        assert (failed.status, failed.attempts) == ("sent", 2)
    assert recipients() == [
        "ana0@example.org",
        "ana1@example.org",
        "lucas0@example.org",
        "lucas1@example.org",
    ]
    lucas0 = next(m for m in mail.outbox if m.to == ["lucas0@example.org"])
    assert lucas0.subject == "Avez-vous déjà rencontré Ana0 ?"
