"""Every coordinator URL of a section's host, found from the URL resolver, is for that
section's coordinators only: visitors log in first, students are refused, a Lille session
means nothing on Paris's host, and an id that exists only in Paris is not found from Lille.

The table below says, for each URL name, how to call it and which object its id names. A
coordinator URL that the table does not know fails `test_the_table_knows_every_coordinator_url`
(and its own tests), so no URL is ever skipped silently.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db.models import Max, Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone

from clients import section_client
from core.accounts.models import User
from core.emails import VERIFY_EMAIL
from core.events.models import Event, Message
from core.exchange.models import ImportBatch
from core.guides.models import Guide
from core.models import PlaceOfStudy, Profile
from core.outbox.models import OutboxMessage
from factories import (
    EventFactory,
    GuideFactory,
    ImportBatchFactory,
    MatchRunFactory,
    MessageFactory,
    PairFactory,
    PlaceOfStudyFactory,
    ProfileFactory,
    UserFactory,
)
from matching.models import MatchRun, Pair

pytestmark = pytest.mark.django_db

PREFIX = "coordinator/"


@dataclass(frozen=True)
class Route:
    name: str  # namespaced: "matching:review"
    route: str  # "coordinator/matching/runs/<int:run_id>/"
    params: tuple[str, ...]  # the URL's parameters, in order
    int_params: tuple[str, ...]  # those the URL converts to int: ids


def _int_params(pattern) -> tuple[str, ...]:
    converters = getattr(pattern, "converters", {})  # a re_path's pattern has none
    return tuple(
        name for name, converter in converters.items() if isinstance(converter, IntConverter)
    )


def coordinator_routes() -> list[Route]:
    """Every URL of a section's host whose full route starts with `coordinator/`."""
    found = []

    def walk(patterns, prefix: str, namespace: str, params: tuple, int_params: tuple) -> None:
        for entry in patterns:
            piece = str(entry.pattern).removeprefix("^").removesuffix("$")
            names = tuple(entry.pattern.regex.groupindex)
            ints = _int_params(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(
                    entry.url_patterns,
                    prefix + piece,
                    f"{namespace}{entry.namespace}:" if entry.namespace else namespace,
                    params + names,
                    int_params + ints,
                )
            elif isinstance(entry, URLPattern):
                route = prefix + piece
                if route.startswith(PREFIX):
                    assert entry.name, f"/{route} has no name: the table cannot refer to it"
                    found.append(
                        Route(f"{namespace}{entry.name}", route, params + names, int_params + ints)
                    )

    walk(get_resolver(settings.ROOT_URLCONF).url_patterns, "", "", (), ())
    return found


# --- the table ---------------------------------------------------------------------------


def _failed_email(**fields) -> OutboxMessage:
    return OutboxMessage.objects.create(
        key=f"test-failed-email:{timezone.now().timestamp()}",
        kind=OutboxMessage.Kind.EMAIL,
        name=VERIFY_EMAIL,
        status=OutboxMessage.Status.FAILED,
        **fields,
    )


def _place(**fields) -> PlaceOfStudy:
    return PlaceOfStudyFactory(name=f"Campus {timezone.now().timestamp()}", **fields)


@dataclass(frozen=True)
class Entry:
    """How to call one coordinator URL.

    `method`: "get" for the views that answer GET, "post" for the POST-only ones.
    `model`, `make`: the object the URL's id names (`make(**fields)` creates it in the current
    schema; the test passes `id=` to choose it); the id fills the URL's int parameter, or the
    POST body through `data`.
    `kwargs`: the URL's other parameters. `ok`: what a coordinator of the object's own section
    gets (the proof that the URL works, so that a 404 from the other section means something).
    """

    method: str
    ok: int
    model: type[Model] | None = None
    make: Callable[..., Model] | None = None
    kwargs: dict = field(default_factory=dict)
    data: Callable[[int], dict] | None = None


def _profile(**fields) -> Profile:
    return ProfileFactory(**fields)


def _coordinator(**fields) -> User:
    return UserFactory(is_coordinator=True, **fields)


PROFILE = dict(model=Profile, make=_profile)
RUN = dict(model=MatchRun, make=MatchRunFactory)
PAIR = dict(model=Pair, make=PairFactory)
EVENT = dict(model=Event, make=EventFactory)
MESSAGE = dict(model=Message, make=MessageFactory)
GUIDE = dict(model=Guide, make=GuideFactory)
BATCH = dict(model=ImportBatch, make=ImportBatchFactory)

TABLE: dict[str, Entry] = {
    # coordinator
    "coordinator:dashboard": Entry("get", 200),
    "coordinator:students": Entry("get", 200),
    "coordinator:student": Entry("get", 200, **PROFILE),
    "coordinator:set_student_active": Entry("post", 302, **PROFILE),
    "coordinator:settings": Entry("get", 200),
    "coordinator:catalogue": Entry(
        "post",
        302,
        model=PlaceOfStudy,
        make=_place,
        kwargs={"kind": "places"},
        data=lambda pk: {"switch_off": str(pk)},
    ),
    "coordinator:team": Entry("get", 200),
    "coordinator:deactivate_coordinator": Entry("post", 302, model=User, make=_coordinator),
    "coordinator:audit_log": Entry("get", 200),
    "coordinator:retry_email": Entry("post", 302, model=OutboxMessage, make=_failed_email),
    "coordinator:export": Entry("get", 200),
    # an empty POST re-renders the export page with the form's errors
    "coordinator:export_students": Entry("post", 200),
    "coordinator:export_pairs": Entry("post", 200),
    # matching
    "matching:overview": Entry("get", 200),
    "matching:start_run": Entry("post", 302),
    "matching:review": Entry("get", 200, **RUN),
    "matching:decide": Entry("post", 302, **RUN),
    "matching:pairs": Entry("get", 200),
    "matching:new_pair": Entry("get", 200),
    "matching:end_pair": Entry("post", 302, **PAIR),
    "matching:waiting": Entry("get", 200),
    "matching:policy": Entry("get", 200),
    # events and messages
    "events:coordinator_events": Entry("get", 200),
    "events:new_event": Entry("get", 200),
    "events:event": Entry("get", 200, **EVENT),
    "events:edit_event": Entry("get", 200, **EVENT),
    "events:export_attendees": Entry("get", 200, **EVENT),
    "events:messages": Entry("get", 200),
    "events:new_message": Entry("get", 200),
    "events:message": Entry("get", 200, **MESSAGE),
    "events:edit_message": Entry("get", 200, **MESSAGE),
    "events:send_message": Entry("post", 302, **MESSAGE),
    # guides
    "guides:manage": Entry("get", 200),
    "guides:create": Entry("get", 200),
    "guides:edit": Entry("get", 200, **GUIDE),
    "guides:delete": Entry("get", 200, **GUIDE),
    # roster import
    "exchange:import": Entry("get", 200),
    "exchange:preview": Entry("get", 200, **BATCH),
    "exchange:commit": Entry("post", 302, **BATCH),
    # follow-up
    "followup:coordinator": Entry("get", 200),
    "followup:handled": Entry("post", 302, **PAIR),
    "followup:surveys": Entry("get", 200),
}

ROUTES = coordinator_routes()
ROUTE_IDS = [route.name for route in ROUTES]
WITH_AN_OBJECT = [route for route in ROUTES if TABLE.get(route.name, Entry("get", 0)).model]


def entry_for(route: Route) -> Entry:
    entry = TABLE.get(route.name)
    if entry is None:
        pytest.fail(
            f"/{route.route} ({route.name}) is a coordinator URL the table of "
            f"{__name__} does not know: add how to call it"
        )
    unfilled = (
        set(route.params) - set(entry.kwargs) - (set(route.int_params) if entry.model else set())
    )
    assert not unfilled, f"{route.name}: the table fills no value for {sorted(unfilled)}"
    assert not (set(route.int_params) and entry.model is None), (
        f"{route.name}: the table names no object for the id {route.int_params}"
    )
    return entry


def url_for(route: Route, entry: Entry, pk: int | None) -> str:
    kwargs = dict(entry.kwargs)
    for name in route.int_params:
        kwargs[name] = pk
    return reverse(route.name, kwargs=kwargs or None)


def call(client: Client, route: Route, entry: Entry, pk: int | None = None):
    url = url_for(route, entry, pk)
    if entry.method == "post":
        return client.post(url, entry.data(pk) if entry.data and pk is not None else {})
    return client.get(url)


def an_object(entry: Entry, section, in_section) -> int | None:
    """The id of a new object of `section` that the URL names (None for a URL without one)."""
    if entry.model is None:
        return None
    with in_section(section):
        return entry.make().pk


def free_id(model: type[Model], sections, in_section) -> int:
    """An id that no row of `model` has in any of `sections`."""
    highest = 0
    for section in sections:
        with in_section(section):
            highest = max(highest, model.objects.aggregate(top=Max("pk"))["top"] or 0)
    return highest + 1


@pytest.fixture
def student(lille, in_section) -> Profile:
    with in_section(lille):
        return ProfileFactory()


# --- the tests ---------------------------------------------------------------------------


def test_the_table_knows_every_coordinator_url():
    names = {route.name for route in ROUTES}
    unknown = sorted(
        f"/{route.route} ({route.name})" for route in ROUTES if route.name not in TABLE
    )
    assert unknown == [], "coordinator URLs the table does not know how to call"
    stale = sorted(set(TABLE) - names)
    assert stale == [], "table entries for URLs that no longer exist"
    for route in ROUTES:
        entry_for(route)


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_a_visitor_is_sent_to_the_login_page(route, lille, in_section):
    entry = entry_for(route)
    pk = an_object(entry, lille, in_section)
    response = call(Client(HTTP_HOST=lille.host), route, entry, pk)
    assert response.status_code == 302, route.route
    assert response["Location"].startswith("/accounts/login/?next="), route.route


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_a_student_is_refused(route, lille, student, in_section):
    entry = entry_for(route)
    pk = an_object(entry, lille, in_section)
    response = call(section_client(lille, student.user), route, entry, pk)
    assert response.status_code == 403, route.route


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_a_lille_session_means_nothing_on_the_paris_host(route, coordinator, paris, in_section):
    entry = entry_for(route)
    pk = an_object(entry, paris, in_section)
    on_paris = Client(HTTP_HOST=paris.host)
    on_paris.cookies["sessionid"] = coordinator.cookies["sessionid"].value
    response = call(on_paris, route, entry, pk)
    assert response.status_code == 302, route.route
    assert response["Location"].startswith("/accounts/login/?next="), route.route


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_the_coordinator_of_the_section_is_served(route, coordinator, lille, in_section):
    """The positive control of the table: the method is right, and an object of the
    coordinator's own section is found (so the 404 below is about the section)."""
    entry = entry_for(route)
    pk = an_object(entry, lille, in_section)
    if entry.method == "post":
        assert coordinator.get(url_for(route, entry, pk)).status_code == 405, route.route
    assert call(coordinator, route, entry, pk).status_code == entry.ok, route.route


@pytest.mark.parametrize("route", WITH_AN_OBJECT, ids=[route.name for route in WITH_AN_OBJECT])
def test_an_id_that_exists_only_in_paris_is_not_found_from_lille(
    route, coordinator, lille, paris, in_section
):
    entry = entry_for(route)
    pk = free_id(entry.model, (lille, paris), in_section)
    with in_section(paris):
        assert entry.make(id=pk).pk == pk
    with in_section(lille):
        assert not entry.model.objects.filter(pk=pk).exists()
    response = call(coordinator, route, entry, pk)
    assert response.status_code == 404, route.route
    with in_section(paris):
        assert entry.model.objects.filter(pk=pk).exists()  # and Paris's row is still there
