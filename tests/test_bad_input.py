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

from api.tokens import create_token
from clients import section_client
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
    ProposalFactory,
    UserFactory,
)
from section_urls import TABLE, Link, Route, entry_for, pending_offer, section_routes, url_for

pytestmark = pytest.mark.django_db

# letters, Arabic-Indic and superscript digits (str.isdigit() says yes, int() says no), a
# number no column holds, a negative, nothing, and control characters
MALFORMED = ["abc", "٣", "²", "9" * 40, "-1", "", "\x00\n"]
# forms of every page that end the sweep's session or change its language
LEAVE_ALONE = {"/accounts/logout/", "/i18n/setlang/"}


@dataclass
class World:
    """Lille with one of everything a page can name, and who may open which page."""

    coordinator: object
    student: object
    ids: dict[type, int]  # the id of an object of each model a URL names
    links: dict[str, Link]  # an emailed link for each URL name that takes one


@pytest.fixture
def world(lille, in_section, coordinator_user) -> World:
    with in_section(lille):
        ProfileFactory()  # waiting: the pages list them with checkboxes
        ProfileFactory(buddy=True, capacity=2)
        pair = PairFactory()
        student = pair.incoming
        run = MatchRunFactory()
        ProposalFactory(run=run)
        objects = [student, run, pair, EventFactory(), MessageFactory(), GuideFactory()]
        objects += [ImportBatchFactory(), UserFactory(is_coordinator=True), PlaceOfStudyFactory()]
        objects.append(create_token(coordinator_user, name="Sweep", scope="read", expiry_days=7)[0])
        objects.append(pending_offer())  # pending, to a buddy of its own
        objects.append(
            OutboxMessage.objects.create(
                key="sweep-failed", kind="email", name="core.verify_email", status="failed"
            )
        )
        links = {name: entry.link() for name, entry in TABLE.items() if entry.link}
    return World(
        coordinator=coordinator_user,
        student=student.user,
        ids={type(obj): obj.pk for obj in objects},
        links=links,
    )


def fill(route: Route, world: World) -> str:
    """The route's URL with its parameters filled, or a failure naming what is unknown."""
    entry = entry_for(route)
    if entry.model is not None and entry.model not in world.ids:
        pytest.fail(f"the sweep has no {entry.model.__name__} to fill /{route.route}")
    pk = world.ids.get(entry.model)
    return url_for(route, entry, pk, world.links.get(route.name))


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


def test_the_sweep_knows_every_page(world):
    for route in section_routes():
        assert fill(route, world).startswith("/")


@pytest.mark.parametrize("who", ["coordinator", "student", "visitor"])
def test_malformed_input_never_answers_500(world, lille, who):
    user = {"coordinator": world.coordinator, "student": world.student, "visitor": None}[who]
    client = section_client(lille, user)
    client.raise_request_exception = False  # a 500 is counted, and the sweep goes on
    sweep = Sweep(client)
    routes = [r for r in section_routes() if entry_for(r).who == who]
    assert routes
    for route in routes:
        if route.name in ("accounts:logout", "core:delete_account"):
            continue  # they end the session the sweep goes on with
        sweep.page(fill(route, world))
    assert sweep.errors == [], "\n".join(sorted(set(sweep.errors)))
