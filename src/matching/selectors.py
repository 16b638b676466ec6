"""Reads for matching: the engine's input, and why students were left without a buddy."""

import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import CharField, Count, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from core.models import Profile, ProfileLanguage
from matching.engine.match import MatchResult
from matching.engine.policy import (
    COMMON_LANGUAGE,
    DATES_OVERLAP,
    GENDER_PREFERENCE,
    HARD_CONSTRAINTS,
    SAME_PLACE_OF_STUDY,
    Policy,
)
from matching.engine.profiles import Buddy, Incoming
from matching.engine.scoring import score_edges
from matching.models import ForbiddenPair, MatchingPolicy, MatchRun, Pair, PinnedPair
from matching.waiting import available_buddies, waiting_incoming

# The portal's language levels in the engine's scale (CEFR).
ENGINE_LEVELS = {"basic": "a2", "intermediate": "b1", "fluent": "c1", "native": "native"}


@dataclass(frozen=True)
class MatchingInput:
    incoming: list[Incoming]
    buddies: list[Buddy]
    pinned: list[tuple[str, str]]
    forbidden: list[tuple[str, str]]
    policy: MatchingPolicy

    def snapshot(self) -> dict:
        """What a run records of its input: ids and free places, no personal data."""
        return {
            "incoming": [person.id for person in self.incoming],
            "buddies": {buddy.id: buddy.capacity for buddy in self.buddies},
            "pinned": self.pinned,
            "forbidden_count": len(self.forbidden),
            "weights": self.policy.weights,
            "hard_constraints": self.policy.hard_constraints,
            "mode": self.policy.mode,
            "nationality_quota": self.policy.nationality_quota,
        }


def matching_input(only_for: list[int] | None = None) -> MatchingInput:
    """Everything a run needs, in a constant number of queries whatever the section's size."""
    incoming_qs = waiting_incoming()
    if only_for:
        incoming_qs = incoming_qs.filter(pk__in=only_for)
    incoming_rows = _incoming_rows(incoming_qs.order_by("pk"))
    buddy_profiles = list(available_buddies().filter(free_places__gt=0))
    ids = [p.pk for p in incoming_rows] + [b.pk for b in buddy_profiles]
    languages, hobbies = _languages_and_hobbies(ids)
    assigned = _assigned_nationalities([b.pk for b in buddy_profiles])
    incoming = [_incoming(p, languages, hobbies) for p in incoming_rows]
    buddies = [_buddy(b, languages, hobbies, assigned) for b in buddy_profiles]
    in_pool = {str(pk) for pk in ids}
    pinned = [
        (str(i), str(b))
        for i, b in PinnedPair.objects.values_list("incoming_id", "buddy_id")
        if str(i) in in_pool and str(b) in in_pool
    ]
    forbidden = [
        (str(i), str(b))
        for i, b in ForbiddenPair.objects.values_list("incoming_id", "buddy_id")
        if str(i) in in_pool and str(b) in in_pool
    ]
    return MatchingInput(incoming, buddies, pinned, forbidden, MatchingPolicy.load())


@dataclass(frozen=True)
class BuddyInput:
    """One buddy and the waiting incoming students they might take, as the engine sees them
    (for the requests buddies choose from)."""

    buddy: Buddy
    # earliest arrival first: among equal scores, who arrives first comes first
    incoming: list[Incoming]
    # incoming students whose pair with this buddy a coordinator rejected (engine ids)
    forbidden: set[str]
    policy: MatchingPolicy


def buddy_input(
    buddy: Profile, only: int | None = None, policy: MatchingPolicy | None = None
) -> BuddyInput | None:
    """The input to rank requests for `buddy` (only incoming student `only`, if given), in a
    constant number of queries; None when the buddy does not take part (left, unverified,
    availability over). A student pinned to another buddy is left out: a coordinator chose."""
    found = available_buddies().filter(pk=buddy.pk).first()
    if found is None:
        return None
    incoming_qs = waiting_incoming().exclude(
        pk__in=PinnedPair.objects.exclude(buddy=buddy).values("incoming_id")
    )
    if only is not None:
        incoming_qs = incoming_qs.filter(pk=only)
    incoming = _cached_incoming(incoming_qs.order_by("arrival_date", "pk"))
    languages, hobbies = _languages_and_hobbies([found.pk])
    forbidden = ForbiddenPair.objects.filter(buddy=buddy)
    if only is not None:
        forbidden = forbidden.filter(incoming_id=only)
    return BuddyInput(
        _buddy(found, languages, hobbies, _assigned_nationalities([found.pk])),
        incoming,
        {str(pk) for pk in forbidden.values_list("incoming_id", flat=True)},
        policy or MatchingPolicy.load(),
    )


class _IncomingCache:
    """Incoming students as the engine sees them, kept by the process between requests.

    Every buddy's requests page reads every waiting student: thousands of rows, languages and
    hobbies, turned into engine profiles, each time. The profiles stay the same until the
    student edits their profile, which saves the row (languages and hobbies are replaced in
    the same service): so a profile is kept under (schema, id, updated_at), and a page reads
    only ids and times, and the rows of the students it has not seen as they are now. Who is
    waiting is read every time; only what the engine reads of them is kept. Least recently
    used profiles go past `limit`, and none is kept longer than `max_age` seconds: a student
    erased meanwhile is never shown (they are not waiting), and no process holds what the
    engine read of them for longer than that.
    """

    def __init__(self, limit: int = 50_000, max_age: float = 900) -> None:
        self.limit, self.max_age = limit, max_age
        self._kept: OrderedDict[tuple, tuple[Incoming, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._swept = time.monotonic()

    def profiles(self, profiles: QuerySet[Profile]) -> list[Incoming]:
        """The engine profiles of `profiles`, in its order."""
        schema = connection.schema_name
        keys = list(profiles.annotate(version=_VERSION).values_list("pk", "version"))
        found: dict[int, Incoming] = {}
        now = time.monotonic()
        with self._lock:
            if now - self._swept > 60:  # what went past its age, seen again or not
                for key in [k for k, (_p, at) in self._kept.items() if now - at >= self.max_age]:
                    del self._kept[key]
                self._swept = now
            for pk, version in keys:
                kept = self._kept.get((schema, pk, version))
                if kept is not None and now - kept[1] < self.max_age:
                    self._kept.move_to_end((schema, pk, version))
                    found[pk] = kept[0]
        missing = [pk for pk, _at in keys if pk not in found]
        if missing:
            rows = Profile.objects.filter(pk__in=missing).annotate(version=_VERSION)
            rows = list(rows.values_list(*_INCOMING_COLUMNS, "version", named=True))
            languages, hobbies = _languages_and_hobbies(missing)
            with self._lock:
                for row in rows:
                    found[row.pk] = _incoming(row, languages, hobbies)
                    self._kept[(schema, row.pk, row.version)] = (found[row.pk], now)
                    self._kept.move_to_end((schema, row.pk, row.version))
                while len(self._kept) > self.limit:
                    self._kept.popitem(last=False)
        return [found[pk] for pk, _at in keys if pk in found]


# a profile's version: when it was saved, as text (parsing thousands of datetimes costs more)
_VERSION = Cast("updated_at", CharField())
_incoming_cache = _IncomingCache()
_cached_incoming = _incoming_cache.profiles


# What the engine reads of an incoming student, read as tuples: a run or a requests page
# reads thousands of them, and model instances would cost more than the scoring.
_INCOMING_COLUMNS = (
    "pk",
    "place_of_study_id",
    "faculty",
    "birth_date",
    "gender",
    "preferred_buddy_gender",
    "nationality",
    "arrival_date",
    "departure_date",
)


def _incoming_rows(profiles) -> list:
    return list(profiles.values_list(*_INCOMING_COLUMNS, named=True))


def _incoming(row, languages: dict, hobbies: dict) -> Incoming:
    return Incoming(
        **_person(row, languages, hobbies), arrival=row.arrival_date, departure=row.departure_date
    )


def _buddy(profile: Profile, languages: dict, hobbies: dict, assigned: dict) -> Buddy:
    """An available buddy (annotated by `available_buddies`) as the engine sees them."""
    return Buddy(
        **_person(profile, languages, hobbies),
        available_from=profile.available_from,
        available_until=profile.available_until,
        capacity=max(0, profile.free_places or 0),
        experience=profile.past_pairs,
        assigned_nationalities=assigned.get(profile.pk, {}),
    )


def _person(profile, languages: dict, hobbies: dict) -> dict:
    """The fields both sides share, from a profile or a row of `_INCOMING_COLUMNS`."""
    return {
        "id": str(profile.pk),
        "languages": languages.get(profile.pk, {}),
        "hobbies": hobbies.get(profile.pk, []),
        "place_of_study": str(profile.place_of_study_id),
        "faculty": profile.faculty,
        "birth_date": profile.birth_date,
        "gender": None if profile.gender == Profile.Gender.UNDISCLOSED else profile.gender,
        "gender_preference": profile.preferred_buddy_gender,
        "nationality": str(profile.nationality),
    }


def _languages_and_hobbies(profile_ids: list[int]) -> tuple[dict, dict]:
    languages: dict[int, dict[str, str]] = defaultdict(dict)
    for profile_id, code, level in ProfileLanguage.objects.filter(
        profile_id__in=profile_ids
    ).values_list("profile_id", "language", "level"):
        languages[profile_id][code] = ENGINE_LEVELS[level]
    hobbies: dict[int, list[str]] = defaultdict(list)
    for profile_id, hobby_id in Profile.hobbies.through.objects.filter(
        profile_id__in=profile_ids
    ).values_list("profile_id", "hobby_id"):
        hobbies[profile_id].append(str(hobby_id))
    return languages, hobbies


def _assigned_nationalities(buddy_ids: list[int]) -> dict[int, dict[str, int]]:
    assigned: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Pair.objects.active()
        .filter(buddy_id__in=buddy_ids)
        .exclude(incoming_nationality="")
        .values_list("buddy_id", "incoming_nationality")
        .annotate(count=Count("id"))
    )
    for buddy_id, nationality, count in rows:
        assigned[buddy_id][nationality] = count
    return assigned


def engine_profiles(incoming: Profile, buddy: Profile) -> tuple[Incoming, Buddy]:
    """Two students as the engine sees them, to check one pair made by hand."""
    languages, hobbies = _languages_and_hobbies([incoming.pk, buddy.pk])
    return (
        Incoming(
            **_person(incoming, languages, hobbies),
            arrival=incoming.arrival_date,
            departure=incoming.departure_date,
        ),
        Buddy(
            **_person(buddy, languages, hobbies),
            available_from=buddy.available_from,
            available_until=buddy.available_until,
        ),
    )


# Hard constraints that can leave a student without any possible buddy, as the run reports them.
SHORTAGE_REASONS = (COMMON_LANGUAGE, DATES_OVERLAP, GENDER_PREFERENCE, SAME_PLACE_OF_STUDY)


@dataclass(frozen=True)
class LeftWaiting:
    """Why a run left one incoming student without a buddy."""

    # the constraints that alone rule out every buddy, ["combination"] when only several
    # together do, ["no_buddy_available"] when buddies fitted but their places went to others
    reasons: list[str]
    # False when some buddy fitted the rules (the places ran out)
    without_candidates: bool

    @property
    def reason(self) -> str:
        """The one reason told to the student: the first of `reasons`."""
        return self.reasons[0]


NO_FREE_PLACE = "no_buddy_available"


def left_waiting(data: MatchingInput, result: MatchResult) -> dict[str, LeftWaiting]:
    """Each unmatched student's reasons, by engine id."""
    unmatched = set(result.unmatched)
    left = [person for person in data.incoming if person.id in unmatched]
    if not left:
        return {}
    if not data.buddies:
        return {person.id: LeftWaiting([NO_FREE_PLACE], True) for person in left}
    policy = data.policy.to_engine()
    today = timezone.localdate()
    without = _without_edges(left, data.buddies, policy, today)
    # One scoring per constraint, over all those students at once.
    ruled_out_by = {
        constraint: {
            person.id
            for person in _without_edges(
                without, data.buddies, _only_hard(policy, constraint), today
            )
        }
        for constraint in SHORTAGE_REASONS
        if without and policy.is_hard(constraint)
    }
    found = {person.id: LeftWaiting([NO_FREE_PLACE], False) for person in left}
    for person in without:
        alone = [c for c, ids in ruled_out_by.items() if person.id in ids]
        found[person.id] = LeftWaiting(alone or ["combination"], True)
    return found


def students_without_candidates(reasons: dict[str, LeftWaiting]) -> dict[str, int]:
    """How many unmatched students had no feasible buddy at all, by the constraint that alone
    rules every buddy out ("combination" when only several together do)."""
    counts: dict[str, int] = defaultdict(int)
    for person in reasons.values():
        if person.without_candidates:
            for reason in person.reasons:
                counts[reason] += 1
    return dict(counts)


def _without_edges(people: list[Incoming], buddies: list[Buddy], policy: Policy, today) -> list:
    edges = score_edges(people, buddies, policy, today)
    has_edge = set(int(i) for i in edges.incoming)
    return [person for index, person in enumerate(people) if index not in has_edge]


def _only_hard(policy: Policy, constraint: str) -> Policy:
    return Policy(
        weights=policy.weights,
        hard_constraints={name: name == constraint for name in HARD_CONSTRAINTS},
    )


def latest_run() -> MatchRun | None:
    return MatchRun.objects.first()


def active_pairs(term: str = "", origin: str = "") -> QuerySet[Pair]:
    """The pairs page's list (and the API's): active pairs, a name search, made one way
    (`Pair.Origin`) if given, latest first."""
    active = Pair.objects.active().select_related(
        "incoming__user", "incoming__place_of_study", "buddy__user", "buddy__place_of_study"
    )
    if term:
        active = active.filter(
            Q(incoming__user__last_name__icontains=term)
            | Q(incoming__user__first_name__icontains=term)
            | Q(buddy__user__last_name__icontains=term)
            | Q(buddy__user__first_name__icontains=term)
        )
    if origin:
        active = active.filter(origin=origin)
    return active.order_by("-confirmed_at", "pk")


def waiting_students() -> QuerySet[Profile]:
    """The waiting page's list (and the API's): incoming students waiting, each with the last
    run's reason for them when a run left them waiting, earliest arrival first."""
    return (
        waiting_incoming()
        .select_related("user", "place_of_study", "waiting_list_entry")
        .order_by("arrival_date", "pk")
    )
