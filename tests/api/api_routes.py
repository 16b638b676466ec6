"""Every endpoint of the API, found from the URL resolver, and how to call it.

`api_routes(urlconf)` walks a host's API; `SECTION_TABLE` and `PUBLIC_TABLE` say, for each URL
name, who the endpoint is for, how to call it with success, which object its id names, and a
body it must refuse with field errors. A URL a table does not know fails `endpoint_for`, so
every suite that reads the tables (tests/api/test_endpoints.py: success, validation, anonymous,
wrong role, another section's host, ids and token) covers a new endpoint or fails.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db.models import Model
from django.urls import reverse

from core.events.models import Event
from core.guides.models import Guide
from factories import EventFactory, GuideFactory
from matching.models import Offer
from matching_table import (
    CONFIRMATION,
    PAIR,
    RUN,
    RUN_TO_DECIDE,
    RUN_WITH_WAITING,
    TWO_STUDENTS,
    proposals_of,
)
from people_table import (
    BATCH,
    EVENT,
    GUIDE,
    MESSAGE,
    PROFILE,
    committable_batch,
    import_file,
    message_to_send,
    new_draft,
    new_event,
)
from section_urls import Route, pending_offer, walk_routes
from tenants.models import Section

COORDINATOR, STUDENT, ANYONE = "coordinator", "student", "anyone"
# the root domain's European or national admin (public schema, session)
NETWORK_ADMIN = "network_admin"
# The schema and documentation pages are in tests/section_urls.py, with the other pages.
NOT_ENDPOINTS = {"api:index", "api:schema", "api:docs"}


def api_routes(urlconf: str) -> list[Route]:
    """The endpoints of a host's API (`config.urls_tenant` or `config.urls_public`)."""
    return [
        route for route in walk_routes(urlconf, under="api/") if route.name not in NOT_ENDPOINTS
    ]


@dataclass(frozen=True)
class Endpoint:
    """How to call one endpoint.

    `who`: the person it is for (coordinator: their session or their token; student: their
    session; anyone). `method` and `ok`: the call and what that person gets. `model`, `make`:
    the object the URL's id names (`make(**fields)` creates one in the current schema, `id=`
    may choose it). `body(pk)`: a body that succeeds (for writes), `invalid`: a body (for a
    read, query parameters) the endpoint refuses with 400, naming `invalid_fields` in the
    error's `fields`. A URL that answers several methods has a tuple, one per method. `kwargs`: the
    URL's other parameters. `query`: a query string to add to the URL.
    """

    who: str
    method: str
    ok: int
    model: type[Model] | None = None
    make: Callable[..., Model] | None = None
    body: Callable[[int | None], dict] | None = None
    invalid: dict | None = None
    invalid_fields: tuple[str, ...] = ()
    kwargs: dict = field(default_factory=dict)
    query: str = ""
    # multipart (a file upload) rather than JSON
    multipart: bool = False


def coordinator(method: str, ok: int, **how) -> Endpoint:
    return Endpoint(COORDINATOR, method, ok, **how)


def student(method: str, ok: int, **how) -> Endpoint:
    return Endpoint(STUDENT, method, ok, **how)


def anyone(method: str, ok: int, **how) -> Endpoint:
    return Endpoint(ANYONE, method, ok, **how)


def network_admin(method: str, ok: int, **how) -> Endpoint:
    return Endpoint(NETWORK_ADMIN, method, ok, **how)


def _lille(**fields) -> Section:
    """A section of the network pages' (public schema): Lille, in France."""
    return Section.objects.get(schema_name="lille")


# --- a section's host ------------------------------------------------------------------------
SECTION_TABLE: dict[str, Endpoint | tuple[Endpoint, ...]] = {
    "api:not_found": anyone("get", 404),
    "api:tokens": coordinator("get", 200),
    # coordinators: students (tests/api/test_students_api.py)
    "api:students": coordinator(
        "get",
        200,
        query="role=incoming&sort=name",
        invalid={"role": "teacher", "sort": "age"},
        invalid_fields=("role", "sort"),
    ),
    "api:student": coordinator("get", 200, **PROFILE),
    "api:student_notes": (
        coordinator("get", 200, **PROFILE),
        coordinator(
            "post",
            201,
            **PROFILE,
            body=lambda pk: {"text": "Met at the welcome picnic."},
            invalid={"text": ""},
            invalid_fields=("text",),
        ),
    ),
    "api:student_deactivate": coordinator("post", 200, **PROFILE),
    "api:student_reactivate": coordinator("post", 200, **PROFILE),
    # coordinators: imports of incoming students (tests/api/test_import_api.py)
    "api:imports": (
        coordinator("get", 200),
        coordinator(
            "post",
            201,
            body=import_file,
            invalid={"file": ""},
            invalid_fields=("file",),
            multipart=True,
        ),
    ),
    "api:import": coordinator("get", 200, **BATCH),
    "api:import_commit": coordinator("post", 200, model=BATCH["model"], make=committable_batch),
    # coordinators: events (tests/api/test_events_api.py)
    "api:coordinator_events": (
        coordinator("get", 200, invalid={"when": "someday"}, invalid_fields=("when",)),
        coordinator(
            "post",
            201,
            body=new_event,
            invalid={"title": "", "capacity": 0},
            invalid_fields=("title", "capacity", "starts_at", "place"),
        ),
    ),
    "api:coordinator_event": (
        coordinator("get", 200, **EVENT),
        coordinator(
            "patch",
            200,
            **EVENT,
            body=lambda pk: {"capacity": 30, "place": "Citadelle"},
            invalid={"capacity": 0, "ends_at": "yesterday"},
            invalid_fields=("capacity", "ends_at"),
        ),
    ),
    "api:coordinator_event_attendees": coordinator("get", 200, **EVENT),
    "api:coordinator_event_attendees_export": coordinator("get", 200, **EVENT),
    # matching
    "api:match_runs": coordinator("get", 200),
    "api:match_run_start": coordinator(
        "post", 202, body=lambda pk: {}, invalid={"students": ["x"]}, invalid_fields=("students",)
    ),
    "api:match_run": coordinator("get", 200, **RUN),
    "api:proposals": coordinator(
        "get",
        200,
        **RUN_TO_DECIDE,
        query="sort=-score",
        invalid={"status": "maybe", "min_score": "high"},
        invalid_fields=("status", "min_score"),
    ),
    "api:proposals_confirm": coordinator(
        "post",
        202,
        **RUN_TO_DECIDE,
        body=lambda pk: {"all": True},
        invalid={"proposals": "x"},
        invalid_fields=("proposals",),
    ),
    "api:proposals_reject": coordinator(
        "post",
        200,
        **RUN_TO_DECIDE,
        body=proposals_of,
        invalid={"proposals": []},
        invalid_fields=("proposals",),
    ),
    "api:match_run_tell": coordinator("post", 200, **RUN_WITH_WAITING),
    "api:confirmation": coordinator("get", 200, **CONFIRMATION),
    "api:waiting": coordinator("get", 200),
    "api:pairs": coordinator("get", 200, query="q=a"),
    "api:pair_create": coordinator("post", 201, **TWO_STUDENTS),
    "api:pair_pin": coordinator("post", 201, **TWO_STUDENTS),
    "api:pair_end": coordinator(
        "post",
        200,
        **PAIR,
        body=lambda pk: {"reason": "They never met."},
        invalid={"reason": ""},
        invalid_fields=("reason",),
    ),
    "api:matching_policy": coordinator("get", 200),
    "api:matching_policy_update": coordinator(
        "post",
        200,
        body=lambda pk: {"weights": {"shared_languages": 70}},
        invalid={"weights": {"shared_languages": 101}, "nationality_quota": 9},
        invalid_fields=("weights", "nationality_quota"),
    ),
    "api:matching_policy_reset": coordinator("post", 200),
    "api:follow_up": coordinator("get", 200),
    "api:follow_up_handled": coordinator("post", 200, **PAIR),
    "api:me": (
        student("get", 200),
        student(
            "patch",
            200,
            body=lambda pk: {"faculty": "Medicine"},
            invalid={"birth_date": "not a date", "languages": []},
            invalid_fields=("birth_date", "languages"),
        ),
    ),
    "api:me_options": student("get", 200),
    "api:me_programme": student("get", 200),
    "api:me_withdraw": student("post", 200),
    "api:me_rejoin": student("post", 200),
    "api:me_data": student("get", 200),
    "api:me_delete": student(
        "post",
        204,
        body=lambda pk: {"password": "long-enough-pass", "confirm": True},
        invalid={"password": "", "confirm": False},
        invalid_fields=("password", "confirm"),
    ),
    "api:my_events": student("get", 200),
    "api:my_event_register": student("post", 200, model=Event, make=EventFactory),
    "api:my_event_cancel": student("post", 200, model=Event, make=EventFactory),
    "api:guides": student("get", 200),
    "api:guide": student("get", 200, model=Guide, make=GuideFactory),
    # an offer is its buddy's own: the table's offer is another buddy's, so the student is
    # told it is not found (tests/api/test_offers.py answers the buddy's own)
    "api:offers": student("get", 200),
    "api:accept_offer": student("post", 404, model=Offer, make=pending_offer),
    "api:decline_offer": student(
        "post",
        404,
        model=Offer,
        make=pending_offer,
        invalid={"reason": "x" * 301},
        invalid_fields=("reason",),
    ),
    "api:coordinator_offers": coordinator(
        "get", 200, query="status=pending", invalid={"status": "lost"}, invalid_fields=("status",)
    ),
    "api:withdraw_offer": coordinator("post", 200, model=Offer, make=pending_offer),
    # coordinators: messages (tests/api/test_messages_api.py)
    "api:messages": (
        coordinator("get", 200),
        coordinator(
            "post",
            201,
            body=new_draft,
            invalid={"segment": "everybody", "subject_en": "Hello"},
            invalid_fields=("segment",),
        ),
    ),
    "api:message": (
        coordinator("get", 200, **MESSAGE),
        coordinator(
            "patch",
            200,
            **MESSAGE,
            body=lambda pk: new_draft(pk) | {"subject_en": "Welcome party"},
            invalid={"body_en": ""},
            invalid_fields=("body_en",),
        ),
    ),
    "api:message_send": coordinator("post", 202, model=MESSAGE["model"], make=message_to_send),
    "api:message_deliveries": coordinator("get", 200, **MESSAGE),
    # coordinators: guides (tests/api/test_guides_api.py)
    "api:coordinator_guides": (
        coordinator("get", 200),
        coordinator(
            "post",
            201,
            body=lambda pk: {
                "title": "Your first week",
                "body": "Open a bank account.",
                "audience": "everyone",
            },
            invalid={"title": "", "audience": "teachers"},
            invalid_fields=("title", "audience"),
        ),
    ),
    "api:coordinator_guide": (
        coordinator("get", 200, **GUIDE),
        coordinator("delete", 204, **GUIDE),
        coordinator(
            "patch",
            200,
            **GUIDE,
            body=lambda pk: {"published": True},
            invalid={"language": "de"},
            invalid_fields=("language",),
        ),
    ),
    # coordinators: exports (tests/api/test_exports_api.py)
    "api:export_students": coordinator(
        "post",
        200,
        body=lambda pk: {"columns": ["email"], "role": "incoming"},
        invalid={"columns": ["password"]},
        invalid_fields=("columns",),
    ),
    "api:export_pairs": coordinator(
        "post", 200, body=lambda pk: {}, invalid={"state": "old"}, invalid_fields=("state",)
    ),
    # buddies choose (tests/api/test_requests_api.py): in the default mode the list says
    # "closed" and a take is refused with a 409
    "api:requests": student("get", 200),
    "api:take_request": student("post", 409, **PROFILE),
}

# --- the root domain -------------------------------------------------------------------------
PUBLIC_TABLE: dict[str, Endpoint | tuple[Endpoint, ...]] = {
    "api:not_found": anyone("get", 404),
    "api:directory": anyone(
        "get", 200, query="country=FR", invalid={"kind": "castle"}, invalid_fields=("kind",)
    ),
    "api:network_sections": network_admin(
        "get", 200, query="q=lille", invalid={"country": "DE"}, invalid_fields=("country",)
    ),
    "api:network_section": network_admin("get", 200, model=Section, make=_lille),
    "api:network_section_active": network_admin(
        "post",
        200,
        model=Section,
        make=_lille,
        body=lambda pk: {"active": True},
        invalid={"active": "maybe"},
        invalid_fields=("active",),
    ),
    "api:network_section_coordinators": network_admin(
        "post",
        201,
        model=Section,
        make=_lille,
        body=lambda pk: {"email": "second.coordinator@lille.example.org"},
        invalid={"email": "not an address"},
        invalid_fields=("email",),
    ),
    "api:network_statistics": network_admin(
        "get", 200, invalid={"semester": "1999-autumn"}, invalid_fields=("semester",)
    ),
}


def endpoints_of(table: dict, name: str) -> tuple[Endpoint, ...]:
    """The ways the table calls a URL: one Endpoint, or one per method (a tuple)."""
    entry = table.get(name, ())
    return entry if isinstance(entry, tuple) else (entry,)


def endpoint_for(table: dict, route: Route) -> Endpoint:
    """The URL's first way of being called, each of them checked to fill the URL."""
    endpoints = endpoints_of(table, route.name)
    if not endpoints:
        pytest.fail(
            f"/{route.route} ({route.name}) is an endpoint the table of {__name__} does not"
            " know: add who it is for and how to call it"
        )
    for endpoint in endpoints:
        unfilled = set(route.params) - set(endpoint.kwargs) - set(route.int_params)
        assert not unfilled, f"{route.name}: the table fills no value for {sorted(unfilled)}"
        assert not (set(route.int_params) and endpoint.model is None), (
            f"{route.name}: the table names no object for the id {route.int_params}"
        )
    return endpoints[0]


def url_for(route: Route, endpoint: Endpoint, pk: int | None = None, urlconf=None) -> str:
    kwargs = dict(endpoint.kwargs)
    for name in route.int_params:
        kwargs[name] = pk
    url = reverse(route.name, kwargs=kwargs or None, urlconf=urlconf)
    return f"{url}?{endpoint.query}" if endpoint.query else url


def call(client, route: Route, endpoint: Endpoint, pk=None, body=None, urlconf=None, **extra):
    """The endpoint called by `client` (JSON body, or multipart when the endpoint says)."""
    url = url_for(route, endpoint, pk, urlconf)
    method = getattr(client, endpoint.method)
    if endpoint.method == "get":  # a body given for a read is its query (replacing `query`)
        return method(url, body, **extra) if body is not None else method(url, **extra)
    if body is None and endpoint.body is not None:
        body = endpoint.body(pk)
    if endpoint.multipart:
        return method(url, body or {}, **extra)
    return method(url, body or {}, content_type="application/json", **extra)
