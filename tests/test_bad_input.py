"""Malformed input never answers 500: every URL of a section's host, found from the URL
resolver, and every field of every form and every query parameter found on its pages.

For each URL the sweep fills the path's parameters with real objects (or valid signed links),
opens the page as the person it is for (coordinator, student or visitor), reads the forms and
links of the page, and sends each field and parameter malformed values: letters, digits of
other scripts, huge numbers, empty, repeated. Every answer must be below 500. A URL whose
parameters the sweep cannot fill fails it, so a new page is never skipped silently.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clients import section_client
from core.events import unsubscribe
from core.exchange.models import ImportedInvitation
from core.exchange.tokens import make_token as invitation_token
from core.outbox.models import OutboxMessage
from core.verification import make_token as verification_token
from factories import (
    EventFactory,
    GuideFactory,
    ImportBatchFactory,
    MatchRunFactory,
    MessageFactory,
    PairFactory,
    ProfileFactory,
    ProposalFactory,
    UserFactory,
)
from matching.followup.models import CheckIn, SurveyResponse
from matching.followup.tokens import checkin_token, survey_token

pytestmark = pytest.mark.django_db

# letters, Arabic-Indic and superscript digits (str.isdigit() says yes, int() says no), a
# number no column holds, a negative, nothing, and control characters
MALFORMED = ["abc", "٣", "²", "9" * 40, "-1", "", "\x00\n"]
# forms of every page that end the sweep's session or change its language
LEAVE_ALONE = {"/accounts/logout/", "/i18n/setlang/"}


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    params: tuple[str, ...]


def section_routes() -> list[Route]:
    found = []

    def walk(patterns, prefix: str, namespace: str, params: tuple) -> None:
        for entry in patterns:
            piece = str(entry.pattern).removeprefix("^").removesuffix("$")
            names = tuple(entry.pattern.regex.groupindex)
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + piece, ns, params + names)
            elif isinstance(entry, URLPattern):
                found.append(Route(f"{namespace}{entry.name}", prefix + piece, params + names))

    walk(get_resolver(settings.ROOT_URLCONF).url_patterns, "", "", ())
    # uploaded files and the API (its own contract tests) are not pages
    return [r for r in found if not r.route.startswith(("media/", "^media", "api/"))]


@dataclass
class World:
    """Lille with one of everything a page can name, and who may open which page."""

    coordinator: object
    student: object
    ids: dict[str, int]
    tokens: dict[str, str]
    outbox_id: int


@pytest.fixture
def world(lille, in_section, coordinator_user) -> World:
    with in_section(lille):
        unverified = ProfileFactory(email_verified_at=None)
        ProfileFactory()  # waiting: the pages list them with checkboxes
        ProfileFactory(buddy=True, capacity=2)
        pair = PairFactory()
        student = pair.incoming
        CheckIn.objects.create(pair=pair, profile=student)
        SurveyResponse.objects.create(pair=pair, profile=student, role=student.role)
        run = MatchRunFactory()
        ProposalFactory(run=run)
        event = EventFactory()
        message = MessageFactory()
        guide = GuideFactory()
        batch = ImportBatchFactory()
        invitation = ImportedInvitation.objects.create(
            batch=batch,
            email="invited@example.org",
            first_name="Ines",
            last_name="Invited",
            nationality="DE",
            arrival_date=timezone.localdate(),
            departure_date=timezone.localdate(),
        )
        failed = OutboxMessage.objects.create(
            key="sweep-failed", kind="email", name="core.verify_email", status="failed"
        )
        other_coordinator = UserFactory(is_coordinator=True)
        tokens = {
            "verify": verification_token(unverified.user),
            "checkin": checkin_token(pair.pk, student.pk, "met"),
            "survey": survey_token(pair.pk, student.pk),
            "unsubscribe": unsubscribe.make_token(student),
            "invitation": invitation_token(invitation),
            "uidb64": urlsafe_base64_encode(force_bytes(coordinator_user.pk)),
            "set_password": default_token_generator.make_token(coordinator_user),
        }
    return World(
        coordinator=coordinator_user,
        student=student.user,
        ids={
            "profile_id": student.pk,
            "run_id": run.pk,
            "pair_id": pair.pk,
            "event_id": event.pk,
            "message_id": message.pk,
            "guide_id": guide.pk,
            "batch_id": batch.pk,
            "user_id": other_coordinator.pk,
        },
        tokens=tokens,
        outbox_id=failed.pk,
    )


TOKEN_OF_ROUTE = {
    "verify/": "verify",
    "checkin/": "checkin",
    "survey/": "survey",
    "unsubscribe/": "unsubscribe",
    "invitation/": "invitation",
}


def fill(route: Route, world: World) -> str:
    """The route's URL with its parameters filled, or a failure naming what is unknown."""
    values = {}
    for param in route.params:
        if param == "token" and route.route.startswith("accounts/set-password/"):
            values[param] = world.tokens["set_password"]
        elif param == "token":
            prefix = next(p for p in TOKEN_OF_ROUTE if route.route.startswith(p))
            values[param] = world.tokens[TOKEN_OF_ROUTE[prefix]]
        elif param == "uidb64":
            values[param] = world.tokens["uidb64"]
        elif param == "kind":
            values[param] = "places"
        elif param == "message_id" and route.route.startswith("coordinator/emails/"):
            values[param] = world.outbox_id
        elif param in world.ids:
            values[param] = world.ids[param]
        else:
            pytest.fail(f"the sweep does not know how to fill {param} of /{route.route}")
    path = route.route
    for param, value in values.items():
        path = path.replace(f"<int:{param}>", str(value)).replace(f"<str:{param}>", str(value))
        path = path.replace(f"<{param}>", str(value))
        path = path.replace(f"(?P<{param}>places|hobbies)", str(value))
    return "/" + path


class Forms(HTMLParser):
    """The forms of a page (method, action, field names) and the query keys of its links."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.query_keys: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self.forms.append({"method": method, "action": attrs.get("action"), "fields": {}})
        elif tag in ("input", "select", "textarea", "button") and self.forms and attrs.get("name"):
            if attrs.get("type") != "file":
                self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""
        elif tag == "a" and "?" in (attrs.get("href") or ""):
            self.query_keys.update(key for key, _ in parse_qsl(urlsplit(attrs["href"]).query))


@dataclass
class Sweep:
    client: object
    errors: list[str] = field(default_factory=list)

    def check(self, method: str, url: str, data=None) -> None:
        response = getattr(self.client, method)(url, data or {})
        if response.status_code >= 500:
            self.errors.append(f"{method.upper()} {url} {data or ''} -> {response.status_code}")

    def page(self, url: str) -> None:
        response = self.client.get(url)
        if response.status_code >= 500:
            self.errors.append(f"GET {url} -> {response.status_code}")
            return
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            return
        parser = Forms()
        parser.feed(response.content.decode())
        for key in parser.query_keys:
            for value in MALFORMED:
                self.check("get", f"{url}?{urlencode({key: value})}")
            self.check("get", f"{url}?{key}=1&{key}=2")  # repeated
        for form in parser.forms:
            target = form["action"] or url
            if target in LEAVE_ALONE:
                continue
            for name in form["fields"]:
                for value in MALFORMED:
                    self.check(form["method"], target, {**form["fields"], name: value})
                repeated = {**form["fields"], name: ["1", "2"]}
                self.check(form["method"], target, repeated)


def audience(route: Route) -> str:
    if route.route.startswith("coordinator/"):
        return "coordinator"
    if route.route.startswith(("account/", "events/", "guides/")):
        return "student"
    return "visitor"


def test_the_sweep_knows_every_page(world):
    for route in section_routes():
        assert fill(route, world).startswith("/")


@pytest.mark.parametrize("who", ["coordinator", "student", "visitor"])
def test_malformed_input_never_answers_500(world, lille, who):
    user = {"coordinator": world.coordinator, "student": world.student, "visitor": None}[who]
    client = section_client(lille, user)
    client.raise_request_exception = False  # a 500 is counted, and the sweep goes on
    sweep = Sweep(client)
    routes = [r for r in section_routes() if audience(r) == who]
    assert routes
    for route in routes:
        if route.name in ("accounts:logout", "core:delete_account"):
            continue  # they end the session the sweep goes on with
        sweep.page(fill(route, world))
    assert sweep.errors == [], "\n".join(sorted(set(sweep.errors)))
