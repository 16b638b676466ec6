"""Writes of the pair follow-up: the emails that fall due, students' answers, coordinators'
handling of requests for a new buddy.

Every email is claimed (its unique row created) and sent in one transaction: a failed send
rolls the claim back for the retry; a second run, a retry or a concurrent task finds the
row taken and sends nothing.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core import audit
from core.accounts.models import User
from core.models import Profile
from core.notifications import section_link, send_templated_email
from matching.followup import selectors
from matching.followup.models import CheckIn, MeetingReminder, SurveyResponse
from matching.followup.tokens import Claim, checkin_token, survey_token
from matching.models import Pair
from tenants.models import Section
from tenants.selectors import current_section

NEW_BUDDY_ASKED = "pair_new_buddy_asked"
NEW_BUDDY_HANDLED = "pair_new_buddy_handled"


@dataclass
class Sent:
    checkins: int = 0
    reminders: int = 0
    surveys: int = 0


def send_due_follow_ups(now: dt.datetime | None = None) -> Sent:
    """Send the section's check-ins, reminders and surveys that are due and not yet sent."""
    section = current_section()
    sent = Sent()
    for pair in selectors.checkins_due(now):
        for student, other in ((pair.incoming, pair.buddy), (pair.buddy, pair.incoming)):
            if _reachable(student) and other is not None:
                sent.checkins += _send_checkin(section, pair, student, other)
    for pair in selectors.reminders_due(now):
        sent.reminders += _send_reminder(section, pair)
    for pair in selectors.surveys_due(now):
        for student in (pair.incoming, pair.buddy):
            if _reachable(student):
                sent.surveys += _send_survey(section, pair, student)
    return sent


def _reachable(student: Profile | None) -> bool:
    return student is not None and student.status == Profile.Status.ACTIVE


def _send_checkin(section: Section, pair: Pair, student: Profile, other: Profile) -> bool:
    with transaction.atomic():
        _checkin, claimed = CheckIn.objects.get_or_create(pair=pair, profile=student)
        if claimed:
            answers = [
                (label, section_link(section, "followup:checkin", token=token))
                for label, token in (
                    (answer.label, checkin_token(pair.pk, student.pk, answer.value))
                    for answer in CheckIn.Answer
                )
            ]
            send_templated_email(
                to=student.user.email,
                template="matching/followup/email/checkin",
                context={"student": student, "other": other, "answers": answers},
                language=student.language,
                section=section,
            )
    return claimed


def _send_reminder(section: Section, pair: Pair) -> bool:
    buddy = pair.buddy
    with transaction.atomic():
        _reminder, claimed = MeetingReminder.objects.get_or_create(pair=pair)
        if claimed:
            met_link = section_link(
                section,
                "followup:checkin",
                token=checkin_token(pair.pk, buddy.pk, CheckIn.Answer.MET),
            )
            send_templated_email(
                to=buddy.user.email,
                template="matching/followup/email/reminder",
                context={"student": buddy, "other": pair.incoming, "met_link": met_link},
                language=buddy.language,
                section=section,
            )
    return claimed


def _send_survey(section: Section, pair: Pair, student: Profile) -> bool:
    with transaction.atomic():
        _response, claimed = SurveyResponse.objects.get_or_create(
            pair=pair, profile=student, defaults={"role": student.role}
        )
        if claimed:
            link = section_link(section, "followup:survey", token=survey_token(pair.pk, student.pk))
            send_templated_email(
                to=student.user.email,
                template="matching/followup/email/survey",
                context={"student": student, "link": link},
                language=student.language,
                section=section,
            )
    return claimed


def record_checkin_answer(claim: Claim) -> CheckIn | None:
    """Record (or change) a student's answer; None when no such check-in was sent.

    Answering again with the same answer changes nothing. A new "I need a new buddy" answer
    puts the pair back on the coordinators' attention list.
    """
    if claim.answer not in CheckIn.Answer.values:
        return None
    with transaction.atomic():
        checkin = (
            CheckIn.objects.select_for_update()
            .filter(pair_id=claim.pair_id, profile_id=claim.profile_id)
            .first()
        )
        if checkin is None or checkin.answer == claim.answer:
            return checkin
        checkin.answer, checkin.answered_at = claim.answer, timezone.now()
        if claim.answer == CheckIn.Answer.NEW_BUDDY:
            checkin.handled_at = checkin.handled_by = None
            audit.record(NEW_BUDDY_ASKED, pair=checkin.pair_id, check_in=checkin.pk)
        checkin.save(update_fields=["answer", "answered_at", "handled_at", "handled_by"])
    return checkin


def mark_handled(user: User, pair: Pair) -> int:
    """Take the pair off the attention list; returns how many requests were handled."""
    with transaction.atomic():
        handled = CheckIn.objects.filter(selectors.NEW_BUDDY_UNHANDLED, pair=pair).update(
            handled_at=timezone.now(), handled_by=user
        )
        if handled:
            audit.record(NEW_BUDDY_HANDLED, actor=user, pair=pair.pk, requests=handled)
    return handled


def record_survey_answer(response: SurveyResponse, rating: int, comment: str) -> bool:
    """Save the answer of a survey not answered yet; False when it already was (once only)."""
    return bool(
        SurveyResponse.objects.filter(pk=response.pk, answered_at__isnull=True).update(
            rating=rating, comment=comment, answered_at=timezone.now()
        )
    )


def forget_comments_of(profile: Profile) -> None:
    """Before a student's profile is erased: their comments go, their ratings stay."""
    SurveyResponse.objects.filter(profile=profile).update(comment="")
