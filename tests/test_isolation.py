"""Tenant isolation and who may open what, for every URL of a section's host.

The URLs come from the resolver and the table of tests/section_urls.py (a URL the table does
not know fails `test_the_table_knows_every_url`). For each one, a coordinator, a student and
an anonymous visitor of Lille try it the way the page is not meant for them: a visitor is
sent to log in, a student is refused the coordinator's pages, a Lille session replayed on
Paris's host is nobody there, an id that exists only in Paris is not found from Lille, and a
link emailed by Paris is refused on Lille's host exactly as a made-up link is. Nothing of
Paris (or of the Lille person, on Paris's host) is in any of those answers.
"""

import pytest
from django.db.models import Model
from django.forms.models import model_to_dict
from django.test import Client

from clients import section_client
from disclosed import free_id, shown, texts_of
from factories import ProfileFactory
from section_urls import (
    COORDINATOR,
    STUDENT,
    VISITOR,
    Entry,
    Route,
    call,
    entry_for,
    section_routes,
    url_for,
)
from section_urls import TABLE as URL_TABLE

pytestmark = pytest.mark.django_db

ROUTES = section_routes()


def routes(*, who=None, having=None) -> list:
    """The routes for `who` (any when None) whose entry has `having` ("model" or "link")."""
    chosen = []
    for route in ROUTES:
        entry = URL_TABLE.get(route.name, Entry(VISITOR, "get", 0))
        if who is not None and entry.who not in who:
            continue
        if having is not None and getattr(entry, having) is None:
            continue
        chosen.append(pytest.param(route, id=route.name))
    return chosen


def an_object(entry: Entry, section, in_section) -> int | None:
    """The id of a new object of `section` that the URL names (None for a URL without one)."""
    if entry.model is None:
        return None
    with in_section(section):
        return entry.make().pk


def a_link(entry: Entry, section, in_section):
    if entry.link is None:
        return None
    with in_section(section):
        return entry.link()


@pytest.fixture
def student(lille, in_section):
    with in_section(lille):
        return ProfileFactory()


@pytest.fixture
def person(coordinator_user, student, lille):
    """A client of Lille logged in as the person a page is for, and that person."""

    def of(who: str) -> tuple[Client | None, Model | None]:
        if who == COORDINATOR:
            return section_client(lille, coordinator_user), coordinator_user
        if who == STUDENT:
            return section_client(lille, student.user), student
        return None, None

    return of


def assert_sent_to_log_in(response, route: Route) -> None:
    assert response.status_code == 302, route.route
    assert response["Location"].startswith("/accounts/login/?next="), route.route


# --- the tests ---------------------------------------------------------------------------


def test_the_table_knows_every_url():
    names = {route.name for route in ROUTES}
    unknown = sorted(
        f"/{route.route} ({route.name})" for route in ROUTES if route.name not in URL_TABLE
    )
    assert unknown == [], "section URLs the table does not know how to call"
    stale = sorted(set(URL_TABLE) - names)
    assert stale == [], "table entries for URLs that no longer exist"
    for route in ROUTES:
        entry_for(route)


@pytest.mark.parametrize("route", routes())
def test_the_person_a_page_is_for_is_served(route, person, lille, in_section):
    """The positive control of the table: the method is right, and an object or a link of
    the person's own section works (so the refusals below are about the section)."""
    entry = entry_for(route)
    client, _who = person(entry.who)
    client = client or Client(HTTP_HOST=lille.host)
    pk = an_object(entry, lille, in_section)
    link = a_link(entry, lille, in_section)
    if entry.method == "post":
        assert client.get(url_for(route, entry, pk, link)).status_code == 405, route.route
    assert call(client, route, entry, pk, link).status_code == entry.ok, route.route


@pytest.mark.parametrize("route", routes(who=(COORDINATOR, STUDENT)))
def test_a_visitor_is_sent_to_log_in(route, lille, in_section):
    entry = entry_for(route)
    pk = an_object(entry, lille, in_section)
    assert_sent_to_log_in(call(Client(HTTP_HOST=lille.host), route, entry, pk), route)


@pytest.mark.parametrize("route", routes(who=(COORDINATOR,)))
def test_a_student_is_refused_the_coordinators_pages(route, lille, student, in_section):
    entry = entry_for(route)
    pk = an_object(entry, lille, in_section)
    response = call(section_client(lille, student.user), route, entry, pk)
    assert response.status_code == 403, route.route


@pytest.mark.parametrize("route", routes())
def test_a_lille_session_is_nobody_on_the_paris_host(route, person, paris, in_section):
    """Lille's cookie replayed on Paris: a page for a person sends to log in; a page for
    anyone answers as it does to a visitor, and shows nothing of the Lille person."""
    entry = entry_for(route)
    lille_client, lille_person = person(entry.who if entry.who != VISITOR else STUDENT)
    on_paris = Client(HTTP_HOST=paris.host)
    on_paris.cookies["sessionid"] = lille_client.cookies["sessionid"].value
    pk = an_object(entry, paris, in_section)
    replayed = call(on_paris, route, entry, pk, a_link(entry, paris, in_section))
    if entry.who != VISITOR:
        assert_sent_to_log_in(replayed, route)
        return
    anonymous = call(
        Client(HTTP_HOST=paris.host), route, entry, pk, a_link(entry, paris, in_section)
    )
    assert replayed.status_code == anonymous.status_code, route.route
    assert shown(texts_of(lille_person), replayed, unless_in=anonymous.content) == set()


@pytest.mark.parametrize("route", routes(who=(COORDINATOR, STUDENT), having="model"))
def test_an_id_that_exists_only_in_paris_is_not_found_from_lille(
    route, person, lille, paris, in_section
):
    entry = entry_for(route)
    client, _who = person(entry.who)
    pk = free_id(entry.model, (lille, paris), in_section)
    with in_section(paris):
        paris_object = entry.make(id=pk)
        assert paris_object.pk == pk
        before = model_to_dict(paris_object)
        paris_texts = texts_of(paris_object)
    with in_section(lille):
        assert not entry.model.objects.filter(pk=pk).exists()
    response = call(client, route, entry, pk)
    assert response.status_code == 404, route.route
    assert shown(paris_texts, response) == set(), route.route
    with in_section(paris):  # and Paris's row is still there, as it was
        assert model_to_dict(entry.model.objects.get(pk=pk)) == before


@pytest.mark.parametrize("route", routes(having="link"))
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_link_emailed_by_paris_is_refused_on_lille(route, method, lille, paris, in_section):
    """Refused exactly as a made-up link is (same answer), changing nothing in Paris."""
    entry = entry_for(route)
    link = a_link(entry, paris, in_section)
    with in_section(paris):
        before = model_to_dict(type(link.owner).objects.get(pk=link.owner.pk))
        paris_texts = texts_of(link.owner)
    made_up = {name: "AbCdEf1234-madeup" for name in link.kwargs}
    on_lille = Client(HTTP_HOST=lille.host)
    url = url_for(route, entry, link=link)
    response = getattr(on_lille, method)(url)
    nonsense = getattr(on_lille, method)(url_for(route, entry, link=type(link)(made_up, None)))
    assert response.status_code == nonsense.status_code, route.route
    assert response.status_code not in (entry.ok, 302), route.route
    assert shown(paris_texts, response) == set(), route.route
    with in_section(paris):
        assert model_to_dict(type(link.owner).objects.get(pk=link.owner.pk)) == before
