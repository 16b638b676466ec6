"""Who is waiting for a buddy and how many places buddies have left: one rule, used by the
dashboard, the student list, message segments, the matching input and the student's status.

A student is waiting when they take part (active), verified their email, are still here
(an incoming student's departure, a buddy's availability, has not passed) and have no active
pair. A deactivated or departed student is never waiting. An incoming student offered to a
buddy (a pending offer, "buddies accept" mode) is not waiting either until the buddy answers,
and each pending offer holds one of the buddy's places.
"""

from datetime import date

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import Profile
from matching.models import Offer, Pair


def has_active_pair() -> Q:
    active = Pair.objects.active()
    return Q(Exists(active.filter(incoming=OuterRef("pk")))) | Q(
        Exists(active.filter(buddy=OuterRef("pk")))
    )


def has_pending_offer() -> Q:
    return Q(Exists(Offer.objects.filter(incoming=OuterRef("pk"), status=Offer.Status.PENDING)))


def pending_offers_held() -> Coalesce:
    """How many of a buddy's places their pending offers hold (a subquery: a second join
    beside the pairs' would multiply the counts)."""
    held = (
        Offer.objects.filter(buddy=OuterRef("pk"), status=Offer.Status.PENDING)
        .order_by()
        .values("buddy")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(held, output_field=IntegerField()), 0)


def still_here(today: date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(role=Profile.Role.INCOMING, departure_date__gte=today) | Q(
        role=Profile.Role.BUDDY, available_until__gte=today
    )


def taking_part(today: date | None = None) -> Q:
    """Active, verified and still here: who matching may consider at all."""
    return Q(status=Profile.Status.ACTIVE, email_verified_at__isnull=False) & still_here(today)


def is_waiting(today: date | None = None) -> Q:
    """The condition, for filters and conditional counts over profiles."""
    return taking_part(today) & ~has_active_pair() & ~has_pending_offer()


def waiting_incoming(today: date | None = None) -> QuerySet[Profile]:
    return Profile.objects.filter(is_waiting(today), role=Profile.Role.INCOMING)


def profile_is_waiting(profile: Profile, today: date | None = None) -> bool:
    return Profile.objects.filter(is_waiting(today), pk=profile.pk).exists()


def available_buddies(today: date | None = None) -> QuerySet[Profile]:
    """Local buddies taking part and still available, annotated with their free places."""
    return (
        Profile.objects.filter(taking_part(today), role=Profile.Role.BUDDY)
        .annotate(
            active_pairs=Count("pairs_as_buddy", filter=Q(pairs_as_buddy__ended_at__isnull=True)),
            past_pairs=Count("pairs_as_buddy", filter=Q(pairs_as_buddy__ended_at__isnull=False)),
            offers_held=pending_offers_held(),
            free_places=F("capacity") - F("active_pairs") - F("offers_held"),
        )
        .order_by("pk")
    )


def free_places(today: date | None = None) -> int:
    """Places left with the available buddies: the supply the waiting students meet."""
    places = available_buddies(today).values_list("free_places", flat=True)
    return sum(max(0, n) for n in places)
