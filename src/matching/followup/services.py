"""Writes of the pair follow-up: the emails that fall due, students' answers, coordinators'
handling of requests for a new buddy.

Each email is claimed by its unique row (a check-in, a reminder, a survey) and written to the
outbox in the same transaction: a second run, a retry or a concurrent task finds the row
taken and writes nothing, and the outbox sends each email once. A student whose email fails
holds up nobody else: sending happens in the relay, one email at a time.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone

from core import audit
from core.accounts.models import User
from core.models import Profile
from core.outbox.services import send_email
from matching.followup import selectors
from matching.followup.emails import CHECKIN_EMAIL, REMINDER_EMAIL, SURVEY_EMAIL
from matching.followup.models import CheckIn, MeetingReminder, SurveyResponse
from matching.followup.tokens import Claim
from matching.models import Pair

NEW_BUDDY_ASKED = "pair_new_buddy_asked"
NEW_BUDDY_HANDLED = "pair_new_buddy_handled"


@dataclass
class Sent:
    checkins: int = 0
    reminders: int = 0
    surveys: int = 0


def send_due_follow_ups(now: dt.datetime | None = None) -> Sent:
    """Write the section's check-ins, reminders and surveys that are due and not yet sent."""
    sent = Sent()
    for pair in selectors.checkins_due(now):
        for student, other in ((pair.incoming, pair.buddy), (pair.buddy, pair.incoming)):
            if _reachable(student) and other is not None:
                claim = partial(CheckIn.objects.get_or_create, pair=pair, profile=student)
                sent.checkins += _claim(CHECKIN_EMAIL, pair, student, claim)
    for pair in selectors.reminders_due(now):
        claim = partial(MeetingReminder.objects.get_or_create, pair=pair)
        sent.reminders += _claim(REMINDER_EMAIL, pair, pair.buddy, claim)
    for pair in selectors.surveys_due(now):
        for student in (pair.incoming, pair.buddy):
            if _reachable(student):
                claim = partial(
                    SurveyResponse.objects.get_or_create,
                    pair=pair,
                    profile=student,
                    defaults={"role": student.role},
                )
                sent.surveys += _claim(SURVEY_EMAIL, pair, student, claim)
    return sent


def _reachable(student: Profile | None) -> bool:
    return student is not None and student.status == Profile.Status.ACTIVE


def _claim(email: str, pair: Pair, student: Profile, get_or_create: Callable) -> bool:
    """Create the follow-up's row and write its email together; False when it existed."""
    with transaction.atomic():
        _row, claimed = get_or_create()
        if claimed:
            send_email(f"{email}:{pair.pk}:{student.pk}", email, pair=pair.pk, profile=student.pk)
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
