"""Reads of offers: what a buddy has to answer, and the coordinators' list."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.models import Profile
from matching.disclosure import OfferedStudent, offered_student
from matching.explanations import hobby_names, reasons
from matching.models import Offer


def offers_to_answer(buddy: Profile) -> list[tuple[Offer, OfferedStudent, list[str]]]:
    """A buddy's pending offers not past their time, each with what it shows of the incoming
    student and the reasons in words (in the active language)."""
    if buddy.role != Profile.Role.BUDDY:
        return []
    pending = list(
        Offer.objects.filter(
            buddy=buddy, status=Offer.Status.PENDING, expires_at__gt=timezone.now()
        )
        .select_related("incoming__user", "incoming__place_of_study")
        .order_by("expires_at", "pk")
    )
    if not pending:
        return []
    names = hobby_names()
    return [
        (offer, offered_student(offer.incoming), reasons(offer.details, names, for_buddy=True))
        for offer in pending
    ]


def offers_for_coordinators(status: str = "") -> QuerySet[Offer]:
    """Every offer of the section (or those of one status), newest first, both students
    loaded: one query per page."""
    offers = Offer.objects.select_related(
        "incoming__user",
        "incoming__place_of_study",
        "buddy__user",
        "buddy__place_of_study",
    ).order_by("-created_at", "-pk")
    return offers.filter(status=status) if status else offers


def pending_count() -> int:
    return Offer.objects.filter(status=Offer.Status.PENDING).count()


@dataclass(frozen=True)
class OfferCounts:
    pending: int
    # declined or expired in the last week: students back to waiting, for the dashboard
    turned_down: int


def offer_counts(now=None) -> OfferCounts:
    """The dashboard's figures, in one query."""
    since = (now or timezone.now()) - timedelta(days=7)
    counts = Offer.objects.aggregate(
        pending=Count("pk", filter=Q(status=Offer.Status.PENDING)),
        turned_down=Count(
            "pk",
            filter=Q(
                status__in=[Offer.Status.DECLINED, Offer.Status.EXPIRED], decided_at__gte=since
            ),
        ),
    )
    return OfferCounts(counts["pending"], counts["turned_down"])
