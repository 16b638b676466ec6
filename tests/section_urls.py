"""Every URL of a section's host, found from the URL resolver, and how to call it.

`section_routes()` walks the resolver; `TABLE` says, for each URL name, who the page is for,
how to call it and which object or emailed link its parameters name. A URL the table does not
know fails `entry_for` (and so every suite that uses it): no page is ever skipped silently.
The isolation suite (tests/test_isolation.py) and the bad-input sweep (tests/test_bad_input.py)
read it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from api.models import ApiToken
from api.tokens import digest
from core.accounts.models import User
from core.emails import VERIFY_EMAIL
from core.events import unsubscribe
from core.events.models import Event, Message
from core.exchange.models import ImportBatch, ImportedInvitation
from core.exchange.tokens import make_token as invitation_token
from core.guides.models import Guide
from core.models import PlaceOfStudy, Profile
from core.outbox.models import OutboxMessage
from core.signin.models import PendingSignin
from core.signin.tokens import link_token
from core.signing import make_link_token
from core.verification import make_token as verification_token
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
from matching.followup.models import CheckIn, SurveyResponse
from matching.followup.tokens import checkin_token, survey_token
from matching.models import MatchRun, Offer, Pair

COORDINATOR, STUDENT, VISITOR = "coordinator", "student", "visitor"


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


def section_routes() -> list[Route]:
    """Every URL of a section's host but uploaded files (`/media/`, DEBUG only)."""
    routes = walk_routes(settings.ROOT_URLCONF)
    return [route for route in routes if not route.route.startswith("media/") and not is_api(route)]


def walk_routes(urlconf: str, under: str = "") -> list[Route]:
    """Every URL of `urlconf` (whose path starts with `under`), with its parameters."""
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
            elif isinstance(entry, URLPattern) and (prefix + piece).startswith(under):
                route = prefix + piece
                assert entry.name, f"/{route} has no name: the table cannot refer to it"
                found.append(
                    Route(f"{namespace}{entry.name}", route, params + names, int_params + ints)
                )

    walk(get_resolver(urlconf).url_patterns, "", "", (), ())
    return found


def is_api(route: Route) -> bool:
    """The API's endpoints answer JSON to programs: tests/api/api_routes.py has their table.
    Its documentation pages are pages like any other, in this table."""
    return route.route.startswith("api/v1/") and route.name not in API_PAGES


API_PAGES = {"api:schema", "api:docs"}


# --- what the parameters name --------------------------------------------------------------


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


def _api_token(**fields) -> ApiToken:
    return ApiToken.objects.create(
        user=_coordinator(),
        name="Import script",
        prefix="bsk_test",
        digest=digest(f"bsk_{timezone.now().timestamp()}"),
        expires_at=timezone.now() + timedelta(days=30),
        **fields,
    )


def _profile(**fields) -> Profile:
    return ProfileFactory(**fields)


def pending_offer(**fields) -> Offer:
    """A pending offer of a new incoming student to a new buddy (nobody's in the tests)."""
    return Offer.objects.create(
        incoming=ProfileFactory(),
        buddy=ProfileFactory(buddy=True),
        expires_at=timezone.now() + timedelta(days=5),
        **fields,
    )


def _coordinator(**fields) -> User:
    return UserFactory(is_coordinator=True, **fields)


@dataclass(frozen=True)
class Link:
    """An emailed link's parameters, made in the current schema, and whose link it is."""

    kwargs: dict
    owner: Model


def _verify_link() -> Link:
    profile = ProfileFactory(email_verified_at=None)
    return Link({"token": verification_token(profile.user)}, profile)


def _unsubscribe_link() -> Link:
    profile = ProfileFactory()
    return Link({"token": unsubscribe.make_token(profile)}, profile)


def _invitation_link() -> Link:
    invitation = ImportedInvitation.objects.create(
        batch=ImportBatchFactory(),
        email=f"invited{timezone.now().timestamp()}@example.org",
        first_name="Ingeborg",
        last_name="Invitedperson",
        nationality="DE",
        arrival_date=timezone.localdate(),
        departure_date=timezone.localdate(),
    )
    return Link({"token": invitation_token(invitation)}, invitation)


def _checkin_link() -> Link:
    pair = PairFactory()
    CheckIn.objects.create(pair=pair, profile=pair.incoming)
    return Link({"token": checkin_token(pair.pk, pair.incoming.pk, "met")}, pair.incoming)


def _survey_link() -> Link:
    pair = PairFactory()
    SurveyResponse.objects.create(pair=pair, profile=pair.incoming, role=pair.incoming.role)
    return Link({"token": survey_token(pair.pk, pair.incoming.pk)}, pair.incoming)


def _support_link() -> Link:
    """A network admin's support access link (network.support), made for this section."""
    from network.models import SupportAccess
    from network.support import LINK_PURPOSE
    from tenants.selectors import current_section

    section = current_section()
    grant = SupportAccess.objects.create(
        admin=_public_admin(),
        admin_email="support@example.org",
        section=section,
        reason="A test",
        expires_at=timezone.now() + timedelta(minutes=15),
    )
    return Link({"token": make_link_token(LINK_PURPOSE, grant=grant.pk)}, grant)


def _public_admin() -> User:
    from django_tenants.utils import schema_context

    with schema_context("public"):
        return User.objects.get_or_create(email="support@example.org")[0]


def _set_password_link() -> Link:
    user = UserFactory(is_coordinator=True)
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return Link({"uidb64": uidb64, "token": default_token_generator.make_token(user)}, user)


def _signin_link() -> Link:
    user = UserFactory()
    pending = PendingSignin.objects.create(
        provider="esn", subject=f"esn-{user.pk}", email=user.email, claimed_at=timezone.now()
    )
    return Link({"token": link_token(user.pk, pending.pk)}, pending)


# --- the table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """How to call one URL of a section's host.

    `who`: the person the page is for (coordinator, student, or any visitor).
    `method`: "get" for the views that answer GET, "post" for the POST-only ones.
    `model`, `make`: the object the URL's id names (`make(**fields)` creates it in the current
    schema; a test passes `id=` to choose it); the id fills the URL's int parameter, or the
    POST body through `data`. `link`: for an emailed link, makes its parameters.
    `kwargs`: the URL's other parameters. `ok`: what the person the page is for gets, with an
    object or a link of their own section (the proof that the URL works, so that a refusal
    from the other section means something).
    """

    who: str
    method: str
    ok: int
    model: type[Model] | None = None
    make: Callable[..., Model] | None = None
    link: Callable[[], Link] | None = None
    kwargs: dict = field(default_factory=dict)
    data: Callable[[int], dict] | None = None


PROFILE = dict(model=Profile, make=_profile)
RUN = dict(model=MatchRun, make=MatchRunFactory)
PAIR = dict(model=Pair, make=PairFactory)
EVENT = dict(model=Event, make=EventFactory)
MESSAGE = dict(model=Message, make=MessageFactory)
GUIDE = dict(model=Guide, make=GuideFactory)
BATCH = dict(model=ImportBatch, make=ImportBatchFactory)
OFFER = dict(model=Offer, make=pending_offer)


def coordinator(method: str, ok: int, **how) -> Entry:
    return Entry(COORDINATOR, method, ok, **how)


def student(method: str, ok: int, **how) -> Entry:
    return Entry(STUDENT, method, ok, **how)


def visitor(method: str, ok: int, **how) -> Entry:
    return Entry(VISITOR, method, ok, **how)


TABLE: dict[str, Entry] = {
    # the portal, for everyone
    "core:home": visitor("get", 200),
    "core:privacy": visitor("get", 200),
    "core:register_choice": visitor("get", 200),
    "core:register_incoming": visitor("get", 200),
    "core:register_buddy": visitor("get", 200),
    "core:registered": visitor("get", 200),
    "core:verify_email": visitor("get", 302, link=_verify_link),
    "accounts:login": visitor("get", 200),
    "accounts:logout": visitor("post", 302),
    "accounts:set_password": visitor("get", 302, link=_set_password_link),
    "accounts:password_reset": visitor("get", 200),
    "accounts:password_reset_sent": visitor("get", 200),
    "events:calendar": visitor("get", 200),
    "events:unsubscribe": visitor("get", 200, link=_unsubscribe_link),
    "exchange:complete": visitor("get", 200, link=_invitation_link),
    "followup:checkin": visitor("get", 200, link=_checkin_link),
    "followup:survey": visitor("get", 200, link=_survey_link),
    # external sign-in: without the root domain's code or a sign-in under way, a clear 400
    "signin:complete": visitor("get", 400),
    "signin:link": visitor("get", 400),
    "signin:link_confirm": visitor("get", 200, link=_signin_link),
    "signin:register": visitor("get", 400),
    "signin:offer": visitor("get", 400),
    "favicon": visitor("get", 301),
    "set_language": visitor("get", 302),  # Django's: a GET changes nothing, and redirects
    "api:index": visitor("get", 200),
    "api:schema": visitor("get", 200),
    "api:docs": visitor("get", 200),
    # a network admin's read-only support access starts here (tests/network/test_support.py)
    "support:enter": visitor("get", 302, link=_support_link),
    # a student's own pages
    "core:resend_verification": student("post", 302),
    "core:account": student("get", 200),
    "core:edit_profile": student("get", 200),
    "core:withdraw": student("get", 200),  # the confirmation; its POST leaves
    "core:rejoin": student("post", 302),
    "core:export": student("get", 200),
    "core:delete_account": student("get", 200),
    "events:student_events": student("get", 200),
    "events:register": student("post", 302, **EVENT),
    "events:cancel": student("post", 302, **EVENT),
    "guides:list": student("get", 200),
    "guides:detail": student("get", 200, **GUIDE),
    # a buddy's answer to an offer: someone else's is refused with a message (302), an id of
    # no offer of the section is not found
    "offers:accept": student("post", 302, **OFFER),
    "offers:decline": student("post", 302, **OFFER),
    # buddies choose: the requests page, and taking one (refused in the default mode: back)
    "choosing:requests": student("get", 200),
    "choosing:take": student("post", 302, **PROFILE),
    # coordinator
    "coordinator:dashboard": coordinator("get", 200),
    "coordinator:students": coordinator("get", 200),
    "coordinator:student": coordinator("get", 200, **PROFILE),
    "coordinator:set_student_active": coordinator("post", 302, **PROFILE),
    "coordinator:settings": coordinator("get", 200),
    "coordinator:catalogue": coordinator(
        "post",
        302,
        model=PlaceOfStudy,
        make=_place,
        kwargs={"kind": "places"},
        data=lambda pk: {"switch_off": str(pk)},
    ),
    "coordinator:team": coordinator("get", 200),
    "signin:coordinator_requests": coordinator("get", 200),
    "signin:settings": coordinator("post", 302),
    "coordinator:deactivate_coordinator": coordinator("post", 302, model=User, make=_coordinator),
    "coordinator:audit_log": coordinator("get", 200),
    "api_tokens:list": coordinator("get", 200),
    "api_tokens:revoke": coordinator("post", 302, model=ApiToken, make=_api_token),
    "coordinator:retry_email": coordinator("post", 302, model=OutboxMessage, make=_failed_email),
    "coordinator:export": coordinator("get", 200),
    # an empty POST re-renders the export page with the form's errors
    "coordinator:export_students": coordinator("post", 200),
    "coordinator:export_pairs": coordinator("post", 200),
    # matching
    "matching:overview": coordinator("get", 200),
    "matching:start_run": coordinator("post", 302),
    "matching:review": coordinator("get", 200, **RUN),
    "matching:decide": coordinator("post", 302, **RUN),
    "matching:pairs": coordinator("get", 200),
    "matching:new_pair": coordinator("get", 200),
    "matching:find_student": coordinator("get", 200, kwargs={"role": "incoming"}),
    "matching:end_pair": coordinator("get", 200, **PAIR),
    "matching:waiting": coordinator("get", 200),
    "matching:policy": coordinator("get", 200),
    "offers:coordinator": coordinator("get", 200),
    "offers:withdraw": coordinator("post", 302, **OFFER),
    # events and messages
    "events:coordinator_events": coordinator("get", 200),
    "events:new_event": coordinator("get", 200),
    "events:event": coordinator("get", 200, **EVENT),
    "events:edit_event": coordinator("get", 200, **EVENT),
    "events:export_attendees": coordinator("get", 200, **EVENT),
    "events:messages": coordinator("get", 200),
    "events:new_message": coordinator("get", 200),
    "events:message": coordinator("get", 200, **MESSAGE),
    "events:edit_message": coordinator("get", 200, **MESSAGE),
    "events:send_message": coordinator("post", 302, **MESSAGE),
    # guides
    "guides:manage": coordinator("get", 200),
    "guides:create": coordinator("get", 200),
    "guides:edit": coordinator("get", 200, **GUIDE),
    "guides:delete": coordinator("get", 200, **GUIDE),
    # roster import
    "exchange:import": coordinator("get", 200),
    "exchange:preview": coordinator("get", 200, **BATCH),
    "exchange:commit": coordinator("post", 302, **BATCH),
    # follow-up
    "followup:coordinator": coordinator("get", 200),
    "followup:handled": coordinator("post", 302, **PAIR),
    "followup:surveys": coordinator("get", 200),
}


def entry_for(route: Route) -> Entry:
    entry = TABLE.get(route.name)
    if entry is None:
        pytest.fail(
            f"/{route.route} ({route.name}) is a URL the table of {__name__} does not know:"
            " add who it is for and how to call it"
        )
    filled = set(entry.kwargs) | (set(route.int_params) if entry.model else set())
    if entry.link is not None:
        filled |= set(route.params) - set(route.int_params)
    unfilled = set(route.params) - filled
    assert not unfilled, f"{route.name}: the table fills no value for {sorted(unfilled)}"
    assert not (set(route.int_params) and entry.model is None), (
        f"{route.name}: the table names no object for the id {route.int_params}"
    )
    return entry


def url_for(route: Route, entry: Entry, pk: int | None = None, link: Link | None = None) -> str:
    kwargs = dict(entry.kwargs)
    if link is not None:
        kwargs.update(link.kwargs)
    for name in route.int_params:
        kwargs[name] = pk
    return reverse(route.name, kwargs=kwargs or None)


def call(client: Client, route: Route, entry: Entry, pk: int | None = None, link=None):
    url = url_for(route, entry, pk, link)
    if entry.method == "post":
        return client.post(url, entry.data(pk) if entry.data and pk is not None else {})
    return client.get(url)
