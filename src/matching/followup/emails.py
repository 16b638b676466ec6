"""The follow-up's emails (check-in, reminder, survey), as kinds the outbox sends by name."""

from django.utils.translation import gettext_lazy as _

from core.models import Profile
from core.outbox.emails import Email, EmailKind, register, render_email, section_link
from matching.disclosure import buddy_contact
from matching.followup.models import CheckIn
from matching.followup.tokens import checkin_token, survey_token
from matching.models import Pair
from tenants.selectors import current_section

CHECKIN_EMAIL = "followup.checkin"
REMINDER_EMAIL = "followup.reminder"
SURVEY_EMAIL = "followup.survey"


def _student_of(pair: int, profile: int, *, active_pair: bool) -> tuple[Pair, Profile] | None:
    found = Pair.objects.select_related("incoming__user", "buddy__user").filter(pk=pair).first()
    if found is None or (active_pair and found.ended_at is not None):
        return None
    student = {found.incoming_id: found.incoming, found.buddy_id: found.buddy}.get(profile)
    if student is None or student.status != Profile.Status.ACTIVE:
        return None
    return found, student


def _student_and_buddy(pair: int, profile: int) -> tuple[Profile, Profile] | None:
    """The student of an active pair and the other one, both still there."""
    found = _student_of(pair, profile, active_pair=True)
    if found is None or found[0].partner_of(found[1]) is None:
        return None
    return found[1], found[0].partner_of(found[1])


def _checkin(pair: int, profile: int) -> Email | None:
    found = _student_and_buddy(pair, profile)
    if found is None:
        return None
    student, other = found
    section = current_section()
    answers = [
        (
            answer.label,
            section_link(
                section, "followup:checkin", token=checkin_token(pair, profile, answer.value)
            ),
        )
        for answer in CheckIn.Answer
    ]
    return render_email(
        to=student.user.email,
        template="matching/followup/email/checkin",
        context={
            "first_name": student.user.first_name,
            "buddy": buddy_contact(other),
            "answers": answers,
        },
        language=student.language,
        section=section,
    )


def _reminder(pair: int, profile: int) -> Email | None:
    found = _student_and_buddy(pair, profile)
    if found is None:
        return None
    buddy, incoming = found
    section = current_section()
    token = checkin_token(pair, profile, CheckIn.Answer.MET)
    return render_email(
        to=buddy.user.email,
        template="matching/followup/email/reminder",
        context={
            "first_name": buddy.user.first_name,
            "buddy": buddy_contact(incoming),
            "met_link": section_link(section, "followup:checkin", token=token),
        },
        language=buddy.language,
        section=section,
    )


def _survey(pair: int, profile: int) -> Email | None:
    found = _student_of(pair, profile, active_pair=False)
    if not found:
        return None
    student = found[1]
    section = current_section()
    link = section_link(section, "followup:survey", token=survey_token(pair, profile))
    return render_email(
        to=student.user.email,
        template="matching/followup/email/survey",
        context={"first_name": student.user.first_name, "link": link},
        language=student.language,
        section=section,
    )


register(EmailKind(CHECKIN_EMAIL, _("Check-in: have you met?"), _checkin))
register(EmailKind(REMINDER_EMAIL, _("Reminder to meet"), _reminder))
register(EmailKind(SURVEY_EMAIL, _("Survey after the stay"), _survey))
