"""How matching plugs into core's hooks: menus, the student's account panel, personal data,
message segments, audit words, and what happens to pairs when a student leaves."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import audit, hooks
from core.events import segments
from core.hooks import LeftBecause
from core.models import Profile
from core.navigation import COORDINATOR, NavItem, register
from core.selectors import iso
from matching import actions, emails  # noqa: F401 - emails registers the outbox's kinds
from matching.choosing import selectors as choosing
from matching.followup.models import CheckIn, SurveyResponse
from matching.models import MatchRun, Offer, Pair, Proposal
from matching.offers.selectors import offers_to_answer
from matching.offers.services import withdraw_offers_of
from matching.pairs import end_pairs_of_leaving_student
from matching.status import programme_status
from matching.waiting import available_buddies, waiting_incoming


def _programme_panel(profile: Profile) -> dict:
    return {"status": programme_status(profile)}


def _offers_panel(profile: Profile) -> dict:
    return {"offers": offers_to_answer(profile)}


def _offers_data(profile: Profile) -> list[dict]:
    """The offers made to a buddy: when, what became of them and their own reason; the
    incoming student of each offer is theirs, not this student's, and is left out."""
    return [
        {
            "offered_at": offer.created_at.isoformat(),
            "status": offer.status,
            "decline_reason": offer.decline_reason,
            "decided_at": iso(offer.decided_at),
        }
        for offer in Offer.objects.filter(buddy=profile).order_by("created_at", "pk")
    ]


def _requests_panel(profile: Profile) -> dict:
    return {"choosing": not profile.is_incoming and choosing.is_open()}


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


def _proposals_data(profile: Profile) -> list[dict]:
    """The runs' suggestions for the student: when, the score and what became of them; the
    other student of each proposal is theirs, not this student's, and is left out."""
    side = "incoming" if profile.is_incoming else "buddy"
    proposals = (
        Proposal.objects.filter(**{side: profile})
        .select_related("run")
        .order_by("run__created_at", "pk")
    )
    return [
        {
            "run_at": proposal.run.created_at.isoformat(),
            "score": proposal.score,
            "status": proposal.status,
            "decided_at": iso(proposal.decided_at),
        }
        for proposal in proposals
    ]


def _unmatched_incoming():
    return segments.reachable().filter(pk__in=waiting_incoming().values("pk"))


def _unmatched_buddies():
    with_places = available_buddies().filter(free_places__gt=0).values("pk")
    return segments.reachable().filter(pk__in=with_places)


def _student_left(sender, profile: Profile, reason: str, actor=None, **kwargs) -> None:
    end_pairs_of_leaving_student(profile, reason, actor)
    withdraw_offers_of(profile)
    if reason in (LeftBecause.ACCOUNT_DELETED, LeftBecause.STAY_ENDED):
        forget_in_runs(profile.pk)


def forget_in_runs(profile_id: int) -> int:
    """A student is being erased: the runs' snapshots (and `only_for`) keep no id of theirs.

    The snapshot holds ids as the engine's strings ("incoming": ["5"], "buddies": {"5": 2},
    "pinned": [["5", "9"]]); ints are matched too, for snapshots written otherwise. The
    snapshot counts the ids it forgot in "erased_students", so that its numbers still add up.
    """
    forms = (str(profile_id), profile_id)
    holds = Q(only_for__contains=[profile_id])
    for form in forms:
        holds |= (
            Q(snapshot__incoming__contains=[form])
            | Q(snapshot__buddies__has_key=str(form))
            | Q(snapshot__pinned__contains=[[form]])
        )
    gone, changed = str(profile_id), 0
    for run in MatchRun.objects.filter(holds).select_for_update():
        snapshot, forgot = dict(run.snapshot), 0
        if "incoming" in snapshot:
            kept = [i for i in snapshot["incoming"] if str(i) != gone]
            forgot += len(snapshot["incoming"]) - len(kept)
            snapshot["incoming"] = kept
        if "buddies" in snapshot:
            kept = {b: n for b, n in snapshot["buddies"].items() if str(b) != gone}
            forgot += len(snapshot["buddies"]) - len(kept)
            snapshot["buddies"] = kept
        if "pinned" in snapshot:
            snapshot["pinned"] = [
                pin for pin in snapshot["pinned"] if gone not in {str(side) for side in pin}
            ]
        if forgot:
            snapshot["erased_students"] = snapshot.get("erased_students", 0) + forgot
        run.snapshot = snapshot
        run.only_for = [i for i in run.only_for if str(i) != gone]
        run.save(update_fields=["snapshot", "only_for"])
        changed += 1
    return changed


def plug_into_core() -> None:
    register(NavItem(_("Matching"), "matching:overview", COORDINATOR, order=30))
    audit.register(actions.LABELS)
    hooks.register_account_panel(
        hooks.AccountPanel("matching/_programme_status.html", _programme_panel, order=10)
    )
    hooks.register_account_panel(
        hooks.AccountPanel("matching/offers/_account_offers.html", _offers_panel, order=5)
    )
    hooks.register_account_panel(
        hooks.AccountPanel("matching/choosing/_panel.html", _requests_panel, order=20)
    )
    hooks.register_personal_data(
        hooks.PersonalDataSection("pairs", _pairs_data),
        hooks.PersonalDataSection("check_ins", _check_ins_data),
        hooks.PersonalDataSection("surveys", _surveys_data),
        hooks.PersonalDataSection("proposals", _proposals_data),
        hooks.PersonalDataSection("offers", _offers_data),
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
