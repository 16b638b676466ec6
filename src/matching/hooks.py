"""How matching plugs into core's hooks: menus, the student's account panel, personal data,
message segments, audit words, and what happens to pairs when a student leaves."""

from django.utils.translation import gettext_lazy as _

from core import audit, hooks
from core.events import segments
from core.models import Profile
from core.navigation import COORDINATOR, NavItem, register
from core.selectors import iso
from matching import actions, emails  # noqa: F401 - emails registers the outbox's kinds
from matching.followup.models import CheckIn, SurveyResponse
from matching.models import Pair
from matching.pairs import end_pairs_of_leaving_student
from matching.status import programme_status
from matching.waiting import available_buddies, waiting_incoming


def _programme_panel(profile: Profile) -> dict:
    return {"status": programme_status(profile)}


def _pairs_data(profile: Profile) -> list[dict]:
    return [
        {
            "confirmed_at": pair.confirmed_at.isoformat(),
            "ended_at": iso(pair.ended_at),
            "end_reason": pair.end_reason,
        }
        for pair in Pair.objects.of(profile).order_by("confirmed_at")
    ]


def _check_ins_data(profile: Profile) -> list[dict]:
    return [
        {"sent_at": iso(c.sent_at), "answer": c.answer, "answered_at": iso(c.answered_at)}
        for c in CheckIn.objects.filter(profile=profile)
    ]


def _surveys_data(profile: Profile) -> list[dict]:
    return [
        {"rating": r.rating, "comment": r.comment, "answered_at": iso(r.answered_at)}
        for r in SurveyResponse.objects.filter(profile=profile)
    ]


def _unmatched_incoming():
    return segments.reachable().filter(pk__in=waiting_incoming().values("pk"))


def _unmatched_buddies():
    with_places = available_buddies().filter(free_places__gt=0).values("pk")
    return segments.reachable().filter(pk__in=with_places)


def _student_left(sender, profile: Profile, reason: str, actor=None, **kwargs) -> None:
    end_pairs_of_leaving_student(profile, reason, actor)


def plug_into_core() -> None:
    register(NavItem(_("Matching"), "matching:overview", COORDINATOR, order=30))
    audit.register(actions.LABELS)
    hooks.register_account_panel(
        hooks.AccountPanel("matching/_programme_status.html", _programme_panel, order=10)
    )
    hooks.register_personal_data(
        hooks.PersonalDataSection("pairs", _pairs_data),
        hooks.PersonalDataSection("check_ins", _check_ins_data),
        hooks.PersonalDataSection("surveys", _surveys_data),
    )
    segments.register(
        segments.Segment(
            "unmatched_incoming",
            _("Incoming students without a buddy"),
            _unmatched_incoming,
            order=30,
        ),
        segments.Segment(
            "unmatched_buddies", _("Local buddies with free places"), _unmatched_buddies, order=40
        ),
    )
    hooks.student_left.connect(_student_left, dispatch_uid="matching-student-left")
    from matching.followup import ready  # noqa: F401 - menu, audit words, emails, signals
