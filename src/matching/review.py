"""Reads for the coordinator's review of a run: its proposals as a table, each score on a
0-100 scale with its breakdown, and the students it left waiting. Every page of rows costs
the same few queries, whatever the run's size."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from core.models import ProfileLanguage
from matching.engine.policy import CRITERIA, POINTS
from matching.explanations import CRITERION_LABELS, language_names, reasons
from matching.models import Confirmation, MatchingPolicy, MatchRun, Proposal, WaitingListEntry


def best_score(run: MatchRun) -> int:
    """The most a pair can score under the weights the run used: every criterion in full."""
    return best_possible(run.snapshot.get("weights") or MatchingPolicy.load().weights)


def best_possible(weights: dict) -> int:
    """The most a pair can score under these weights: every criterion in full."""
    return sum(weights.get(criterion, 0) for criterion in CRITERIA) * POINTS


def on_scale(score: int | None, best: int) -> int | None:
    """A raw engine score as a share of the best possible, 0-100."""
    if score is None or best <= 0:
        return None
    return max(0, min(100, round(100 * score / best)))


@dataclass(frozen=True)
class Part:
    criterion: str
    label: str
    earned: int
    out_of: int


@dataclass(frozen=True)
class Row:
    proposal: Proposal
    score: int | None
    breakdown: list[Part]
    reasons: list[str]
    incoming_languages: str
    buddy_languages: str


def proposals(run: MatchRun, filters: dict) -> QuerySet[Proposal]:
    """The run's proposals, filtered and sorted, with both students' facts loaded."""
    languages = ProfileLanguage.objects.order_by("language")
    rows = run.proposals.select_related(
        "incoming__user",
        "incoming__place_of_study",
        "buddy__user",
        "buddy__place_of_study",
    ).prefetch_related(
        Prefetch("incoming__languages", queryset=languages),
        Prefetch("buddy__languages", queryset=languages),
    )
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("min_score") is not None:
        rows = rows.filter(score__gte=filters["min_score"] * best_score(run) / 100)
    if filters.get("search"):
        term = filters["search"]
        rows = rows.filter(
            Q(incoming__user__last_name__icontains=term)
            | Q(incoming__user__first_name__icontains=term)
            | Q(buddy__user__last_name__icontains=term)
            | Q(buddy__user__first_name__icontains=term)
        )
    if filters.get("nationality"):
        rows = rows.filter(incoming__nationality=filters["nationality"])
    if filters.get("place_of_study"):
        place = filters["place_of_study"]
        rows = rows.filter(Q(incoming__place_of_study=place) | Q(buddy__place_of_study=place))
    return rows.order_by(filters.get("sort") or "-score", "pk")


def rows(page, run: MatchRun, hobby_names: dict[str, str]) -> list[Row]:
    """A page of proposals with their score on the 0-100 scale and its parts."""
    best = best_score(run)
    weights = run.snapshot.get("weights") or MatchingPolicy.load().weights
    found = []
    for proposal in page:
        parts = [
            Part(
                criterion,
                str(CRITERION_LABELS[criterion]),
                round(100 * proposal.breakdown.get(criterion, 0) / best) if best else 0,
                round(100 * weights.get(criterion, 0) * POINTS / best) if best else 0,
            )
            for criterion in CRITERIA
            if weights.get(criterion)
        ]
        found.append(
            Row(
                proposal,
                on_scale(proposal.score, best),
                parts,
                reasons(proposal.details, hobby_names),
                language_list(proposal.incoming),
                language_list(proposal.buddy),
            )
        )
    return found


def language_list(profile) -> str:
    """The languages a student speaks (prefetched), by name."""
    return language_names([row.language for row in profile.languages.all()])


def left_waiting(run: MatchRun) -> QuerySet[WaitingListEntry]:
    """The students the run left waiting who still wait, earliest arrival first."""
    return (
        WaitingListEntry.objects.filter(run=run)
        .select_related("profile__user", "profile__place_of_study")
        .order_by("profile__arrival_date", "pk")
    )


def still_to_decide(run: MatchRun, proposal_ids: list[int]) -> list[int]:
    """Of the chosen proposals, those of this run that nobody has decided on yet."""
    return list(
        run.proposals.filter(pk__in=proposal_ids, status=Proposal.Status.PROPOSED).values_list(
            "pk", flat=True
        )
    )


def to_decide(run: MatchRun) -> int:
    return run.proposals.filter(status=Proposal.Status.PROPOSED).count()


def not_told(run: MatchRun) -> int:
    return WaitingListEntry.objects.filter(run=run, told_at__isnull=True).count()


def latest_confirmation(run: MatchRun) -> Confirmation | None:
    return run.confirmations.first()
