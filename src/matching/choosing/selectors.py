"""Reads for "buddies choose": the requests a buddy may take, best fit first, showing only what
the section allows, and how many the buddy may still take.

A request is a waiting incoming student the buddy may take under the section's hard rules
(the engine ranks them: `engine.rank_for_buddy`). Its card holds the fields the section shows
and nothing else: pages and the API receive cards, never profiles.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import get_language

from core.models import Profile, ProfileLanguage
from matching.engine import rank_for_buddy, score_pair
from matching.explanations import hobby_names, language_names, request_reasons
from matching.models import MatchingPolicy, Pair, RequestField
from matching.review import best_possible, on_scale
from matching.selectors import BuddyInput, buddy_input

PAGE_SIZE = 20


@dataclass(frozen=True)
class RequestCard:
    """One request as a buddy sees it. A field the section hides is None and never shown."""

    id: int
    fit: int  # the engine's score on a 0-100 scale
    reasons: list[str]
    first_name: str | None = None
    nationality: str | None = None  # the country's name
    languages: str | None = None
    place_of_study: str | None = None
    faculty: str | None = None
    arrival_month: dt.date | None = None  # the first day of the month
    hobbies: list[str] | None = None
    note: str | None = None
    gender: str | None = None
    shown: frozenset[str] = field(default_factory=frozenset)

    def as_data(self) -> dict:
        """The card as JSON data: the fields the section shows, and no key for the others."""
        data: dict = {"id": self.id, "fit": self.fit, "reasons": self.reasons}
        for key, names in CARD_FIELDS.items():
            if key in self.shown:
                data |= {name: getattr(self, name) for name in names}
        if "arrival_month" in data and data["arrival_month"] is not None:
            data["arrival_month"] = data["arrival_month"].strftime("%Y-%m")
        return data


# The card's attributes that each request field fills.
CARD_FIELDS = {
    RequestField.FIRST_NAME: ("first_name",),
    RequestField.NATIONALITY: ("nationality",),
    RequestField.LANGUAGES: ("languages",),
    RequestField.PLACE_OF_STUDY: ("place_of_study", "faculty"),
    RequestField.ARRIVAL_MONTH: ("arrival_month",),
    RequestField.HOBBIES: ("hobbies",),
    RequestField.NOTE: ("note",),
    RequestField.GENDER: ("gender",),
}


@dataclass(frozen=True)
class Picks:
    """How many requests the buddy may still take in the section's period."""

    limit: int
    period_days: int
    taken: int
    # when the oldest pick of the period stops counting (None: a pick is left now)
    next_on: dt.date | None

    @property
    def left(self) -> int:
        return max(0, self.limit - self.taken)


@dataclass(frozen=True)
class Requests:
    """What the requests page shows a buddy: why there are none, or a page of cards."""

    # "closed" (another matching mode), "not_a_buddy" (an incoming student), "not_taking_part",
    # "full", "open"
    state: str
    picks: Picks | None = None
    page: Page | None = None
    cards: list[RequestCard] = field(default_factory=list)
    free_places: int = 0


def is_open() -> bool:
    return MatchingPolicy.load().matching_mode == MatchingPolicy.MatchingMode.BUDDIES_CHOOSE


def picks(buddy: Profile, policy: MatchingPolicy) -> Picks:
    """The buddy's picks in the last `pick_period_days` days; a pick counts even if its pair
    ended since, or taking and dropping would get round the limit."""
    since = timezone.now() - dt.timedelta(days=policy.pick_period_days)
    taken = list(
        Pair.objects.filter(
            buddy=buddy, origin=Pair.Origin.BUDDY_CHOICE, confirmed_at__gte=since
        ).values_list("confirmed_at", flat=True)
    )
    next_on = None
    if len(taken) >= policy.pick_limit:
        counted = sorted(taken, reverse=True)[: policy.pick_limit]
        next_on = timezone.localdate(counted[-1] + dt.timedelta(days=policy.pick_period_days))
    return Picks(policy.pick_limit, policy.pick_period_days, len(taken), next_on)


def ranked(data: BuddyInput) -> list[tuple[int, int]]:
    """(incoming profile id, score) of every request the buddy may take, best first."""
    ranking = rank_for_buddy(
        data.buddy,
        data.incoming,
        data.policy.to_engine(),
        timezone.localdate(),
        forbidden=data.forbidden,
        nationality_quota=data.policy.nationality_quota,
    )
    return [(int(data.incoming[index].id), score) for index, score in ranking]


def may_take(buddy: Profile, incoming_id: int) -> bool:
    """The one rule of the list, for one request: is it open to this buddy now?"""
    data = buddy_input(buddy, only=incoming_id)
    return data is not None and bool(ranked(data))


def requests_for(buddy: Profile, page_number: str | int | None = 1) -> Requests:
    """The page of requests `buddy` sees, in a constant number of queries whatever the number
    of waiting students."""
    policy = MatchingPolicy.load()
    if policy.matching_mode != MatchingPolicy.MatchingMode.BUDDIES_CHOOSE:
        return Requests("closed")
    if buddy.role != Profile.Role.BUDDY:
        return Requests("not_a_buddy")
    data = buddy_input(buddy, policy=policy)
    if data is None:
        return Requests("not_taking_part")
    if data.buddy.capacity <= 0:
        return Requests("full", picks=picks(buddy, policy))
    page = Paginator(ranked(data), PAGE_SIZE).get_page(page_number)
    engine_people = {person.id: person for person in data.incoming}
    return Requests(
        "open",
        picks=picks(buddy, policy),
        page=page,
        cards=_cards(list(page), engine_people, data, policy),
        free_places=data.buddy.capacity,
    )


def _cards(
    rows: list[tuple[int, int]], engine_people: dict, data: BuddyInput, policy: MatchingPolicy
) -> list[RequestCard]:
    shown = frozenset(policy.request_fields) & frozenset(RequestField.values)
    profiles = (
        Profile.objects.filter(pk__in=[pk for pk, _score in rows])
        .select_related("user", "place_of_study")
        .prefetch_related(
            Prefetch("languages", queryset=ProfileLanguage.objects.order_by("language")),
            "hobbies",
        )
        .in_bulk()
    )
    names = hobby_names() if rows else {}
    engine_policy = policy.to_engine()
    best = best_possible(dict(engine_policy.weights))
    today = timezone.localdate()
    language = get_language()
    cards = []
    for pk, score in rows:
        profile = profiles.get(pk)
        if profile is None:  # erased between the ranking and now
            continue
        details = score_pair(engine_people[str(pk)], data.buddy, engine_policy, today).details
        cards.append(
            _card(profile, score, best, request_reasons(details, names, shown), shown, language)
        )
    return cards


def _card(
    profile: Profile, score: int, best: int, reasons: list[str], shown: frozenset, language: str
) -> RequestCard:
    """Only the fields in `shown` are read from the profile."""

    def when(key: str, value):
        return value() if key in shown else None

    return RequestCard(
        id=profile.pk,
        fit=on_scale(score, best) or 0,
        reasons=reasons,
        first_name=when(RequestField.FIRST_NAME, lambda: profile.user.first_name),
        nationality=when(RequestField.NATIONALITY, lambda: str(profile.nationality.name)),
        languages=when(
            RequestField.LANGUAGES,
            lambda: language_names([row.language for row in profile.languages.all()]),
        ),
        place_of_study=when(
            RequestField.PLACE_OF_STUDY, lambda: profile.place_of_study.name_in(language)
        ),
        faculty=when(RequestField.PLACE_OF_STUDY, lambda: profile.faculty),
        arrival_month=when(
            RequestField.ARRIVAL_MONTH,
            lambda: profile.arrival_date.replace(day=1) if profile.arrival_date else None,
        ),
        hobbies=when(
            RequestField.HOBBIES,
            lambda: sorted(hobby.name_in(language) for hobby in profile.hobbies.all()),
        ),
        note=when(RequestField.NOTE, lambda: profile.note_for_buddy),
        gender=when(RequestField.GENDER, lambda: str(profile.get_gender_display())),
        shown=shown,
    )
