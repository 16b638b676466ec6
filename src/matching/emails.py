"""The emails about pairs, as kinds the outbox sends by name (see core.outbox.emails).

Each receives ids and reads the rows when it is sent: an email about a pair that ended or a
student who left meanwhile is not sent. What it shows of the other student is
`disclosure.buddy_contact`, nothing else of their profile.
"""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.models import Profile
from core.outbox.emails import Email, EmailKind, register, render_email
from matching.disclosure import buddy_contact
from matching.explanations import common_ground
from matching.models import Pair, WaitingListEntry
from tenants.selectors import current_section

PAIR_CONFIRMED_EMAIL = "matching.pair_confirmed"
PAIR_ENDED_EMAIL = "matching.pair_ended"
WAITING_LIST_EMAIL = "matching.waiting_list"


def _pair_and_student(pair: int, profile: int) -> tuple[Pair, Profile] | None:
    found = Pair.objects.select_related("incoming__user", "buddy__user").filter(pk=pair).first()
    if found is None or profile not in (found.incoming_id, found.buddy_id):
        return None
    student = found.incoming if found.incoming_id == profile else found.buddy
    if student.status != Profile.Status.ACTIVE:
        return None
    return found, student


def _pair_confirmed(pair: int, profile: int) -> Email | None:
    found = _pair_and_student(pair, profile)
    if found is None or found[0].ended_at is not None:
        return None
    pair_row, student = found
    other = pair_row.partner_of(student)
    if other is None:
        return None
    with translation.override(student.language):
        shared = common_ground(pair_row.incoming, pair_row.buddy)
    return render_email(
        to=student.user.email,
        template="matching/email/pair_confirmed",
        context={
            "first_name": student.user.first_name,
            "is_incoming": student.is_incoming,
            "buddy": buddy_contact(other),
            "shared": shared,
        },
        language=student.language,
        section=current_section(),
    )


def _pair_ended(pair: int, profile: int) -> Email | None:
    found = _pair_and_student(pair, profile)
    if found is None or found[0].ended_at is None:
        return None
    pair_row, student = found
    other = pair_row.partner_of(student)
    return render_email(
        to=student.user.email,
        template="matching/email/pair_ended",
        context={
            "first_name": student.user.first_name,
            "is_incoming": student.is_incoming,
            "buddy_first_name": other.user.first_name if other else "",
            "by_coordinator": pair_row.end_reason == Pair.EndReason.COORDINATOR,
        },
        language=student.language,
        section=current_section(),
    )


def _waiting_list(profile: int) -> Email | None:
    student = Profile.objects.select_related("user").filter(pk=profile).first()
    if student is None or student.status != Profile.Status.ACTIVE:
        return None
    entry = WaitingListEntry.objects.filter(profile=student).first()
    if entry is None or Pair.objects.active().of(student).exists():
        return None  # matched meanwhile
    return render_email(
        to=student.user.email,
        template="matching/email/waiting_list",
        context={"first_name": student.user.first_name, "reason": entry.reason},
        language=student.language,
        section=current_section(),
    )


register(EmailKind(PAIR_CONFIRMED_EMAIL, _("Pair confirmed"), _pair_confirmed))
register(EmailKind(PAIR_ENDED_EMAIL, _("Pair ended"), _pair_ended))
register(EmailKind(WAITING_LIST_EMAIL, _("On the waiting list"), _waiting_list))
