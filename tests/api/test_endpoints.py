"""Every endpoint of the API, from the tables of tests/api/api_routes.py: who may call it and
what everyone else gets.

For each endpoint (each method) of a section's host: the person it is for is served, with
their session and (coordinators) with their token; a body (or query) it must refuse gives a
400 naming the fields; an anonymous caller gets a 401/403; a student is refused the
coordinators' endpoints and a coordinator the students' own; an id that exists only in Paris
is not found from Lille, with nothing of the Paris row in the answer and the row unchanged;
Lille's token is refused on Paris's host as a made-up one is, and on the root domain; a
read-only token may not write. Every refusal has the one error format. The root domain's
endpoints: their network admin (or anyone) is served, invalid input refused with its fields,
anonymous callers and accounts without a role refused, and no section token accepted.
"""

import pytest
from api_routes import (
    ANYONE,
    COORDINATOR,
    NETWORK_ADMIN,
    PUBLIC_TABLE,
    SECTION_TABLE,
    STUDENT,
    api_routes,
    call,
    endpoint_for,
    endpoints_of,
)
from django.forms.models import model_to_dict
from django.test import Client

from api.models import ApiToken
from api.tokens import create_token, revoke_token
from clients import section_client
from core.accounts.models import User
from disclosed import free_id, shown, texts_of
from factories import ProfileFactory
from network.models import AdminCountry, AdminRole

pytestmark = pytest.mark.django_db

SECTION = "config.urls_tenant"
PUBLIC = "config.urls_public"
SECTION_ROUTES = api_routes(SECTION)
PUBLIC_ROUTES = api_routes(PUBLIC)


def routes(table, all_routes, *, who=None, having=None, writes=None) -> list:
    """(route, endpoint) cases: one per method the table calls a URL with."""
    chosen = []
    for route in all_routes:
        for endpoint in endpoints_of(table, route.name):
            if who is not None and endpoint.who not in who:
                continue
            if having is not None and not getattr(endpoint, having):
                continue
            if writes is not None and (endpoint.method != "get") != writes:
                continue
            chosen.append(pytest.param((route, endpoint), id=f"{route.name}:{endpoint.method}"))
    return chosen


def is_error(response, status: int | tuple[int, ...]) -> bool:
    statuses = status if isinstance(status, tuple) else (status,)
    if response.status_code not in statuses:
        return False
    body = response.json()
    return set(body) == {"code", "message", "fields"} and body["code"] and body["message"]


@pytest.fixture
def student(lille, in_section):
    with in_section(lille):
        return ProfileFactory()


@pytest.fixture
def lille_token(lille, in_section, coordinator_user) -> str:
    with in_section(lille):
        return create_token(coordinator_user, name="CI", scope="read_write", expiry_days=7)[1]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def caller(lille, coordinator_user, student):
    """A client of Lille for the person an endpoint is for (or an anonymous one)."""

    def of(who: str) -> Client:
        if who == COORDINATOR:
            return section_client(lille, coordinator_user)
        if who == STUDENT:
            return section_client(lille, student.user)
        return Client(HTTP_HOST=lille.host)

    return of


def an_object(endpoint, section, in_section) -> int | None:
    if endpoint.model is None:
        return None
    with in_section(section):
        return endpoint.make().pk


# --- the tables are complete ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "all_routes"), [(SECTION_TABLE, SECTION_ROUTES), (PUBLIC_TABLE, PUBLIC_ROUTES)]
)
def test_the_tables_know_every_endpoint(table, all_routes):
    unknown = sorted(f"/{r.route} ({r.name})" for r in all_routes if r.name not in table)
    assert unknown == [], "API endpoints the table does not know how to call"
    assert sorted(set(table) - {r.name for r in all_routes}) == [], "stale table entries"
    for route in all_routes:
        endpoint_for(table, route)
        methods = [endpoint.method for endpoint in endpoints_of(table, route.name)]
        assert len(set(methods)) == len(methods), f"{route.name}: a method listed twice"


# --- a section's host ----------------------------------------------------------------------


@pytest.mark.parametrize("case", routes(SECTION_TABLE, SECTION_ROUTES))
def test_the_person_an_endpoint_is_for_is_served(case, caller, lille, in_section):
    route, endpoint = case
    pk = an_object(endpoint, lille, in_section)
    response = call(caller(endpoint.who), route, endpoint, pk)
    assert response.status_code == endpoint.ok, (route.route, response.content[:500])


@pytest.mark.parametrize("case", routes(SECTION_TABLE, SECTION_ROUTES, who=(COORDINATOR,)))
def test_a_coordinators_token_is_served_too(case, lille, lille_token, in_section):
    route, endpoint = case
    pk = an_object(endpoint, lille, in_section)
    response = call(Client(HTTP_HOST=lille.host), route, endpoint, pk, **bearer(lille_token))
    assert response.status_code == endpoint.ok, (route.route, response.content[:500])


@pytest.mark.parametrize("case", routes(SECTION_TABLE, SECTION_ROUTES, having="invalid"))
def test_an_invalid_body_is_refused_with_its_fields(case, caller, lille, in_section):
    route, endpoint = case
    pk = an_object(endpoint, lille, in_section)
    response = call(caller(endpoint.who), route, endpoint, pk, body=endpoint.invalid)
    assert is_error(response, 400), (route.route, response.content[:500])
    missing = set(endpoint.invalid_fields) - set(response.json()["fields"])
    assert not missing, (route.route, response.json())


@pytest.mark.parametrize("case", routes(SECTION_TABLE, SECTION_ROUTES, who=(COORDINATOR, STUDENT)))
def test_an_anonymous_caller_is_refused(case, lille, in_section):
    route, endpoint = case
    pk = an_object(endpoint, lille, in_section)
    response = call(Client(HTTP_HOST=lille.host), route, endpoint, pk)
    assert is_error(response, (401, 403)), (route.route, response.content[:300])


@pytest.mark.parametrize("case", routes(SECTION_TABLE, SECTION_ROUTES, who=(COORDINATOR, STUDENT)))
def test_the_other_role_is_refused(case, caller, lille, in_section):
    route, endpoint = case
    other = STUDENT if endpoint.who == COORDINATOR else COORDINATOR
    pk = an_object(endpoint, lille, in_section)
    with in_section(lille):
        before = model_to_dict(endpoint.model.objects.get(pk=pk)) if pk else None
    response = call(caller(other), route, endpoint, pk)
    assert is_error(response, 403), (route.route, response.content[:300])
    with in_section(lille):
        assert (model_to_dict(endpoint.model.objects.get(pk=pk)) if pk else None) == before


@pytest.mark.parametrize(
    "case", routes(SECTION_TABLE, SECTION_ROUTES, who=(COORDINATOR, STUDENT), having="model")
)
def test_an_id_that_exists_only_in_paris_is_not_found_from_lille(
    case, caller, lille, paris, in_section
):
    route, endpoint = case
    pk = free_id(endpoint.model, (lille, paris), in_section)
    with in_section(paris):
        paris_object = endpoint.make(id=pk)
        before = model_to_dict(paris_object)
        paris_texts = texts_of(paris_object)
    response = call(caller(endpoint.who), route, endpoint, pk)
    assert is_error(response, 404), (route.route, response.content[:300])
    assert shown(paris_texts, response) == set(), route.route
    with in_section(paris):
        assert model_to_dict(endpoint.model.objects.get(pk=pk)) == before


@pytest.mark.parametrize("case", routes(SECTION_TABLE, SECTION_ROUTES, who=(COORDINATOR,)))
def test_a_lille_token_is_refused_on_paris_as_a_made_up_one_is(
    case, paris, lille_token, in_section
):
    route, endpoint = case
    pk = an_object(endpoint, paris, in_section)
    on_paris = call(Client(HTTP_HOST=paris.host), route, endpoint, pk, **bearer(lille_token))
    made_up = call(Client(HTTP_HOST=paris.host), route, endpoint, pk, **bearer("bsk_" + "x" * 43))
    assert is_error(on_paris, 401), route.route
    assert on_paris.json() == made_up.json()


@pytest.mark.parametrize("case", routes(SECTION_TABLE, SECTION_ROUTES, writes=True))
def test_a_read_only_token_may_not_write(case, lille, coordinator_user, in_section):
    route, endpoint = case
    pk = an_object(endpoint, lille, in_section)
    with in_section(lille):
        secret = create_token(coordinator_user, name="RO", scope="read", expiry_days=7)[1]
    response = call(Client(HTTP_HOST=lille.host), route, endpoint, pk, **bearer(secret))
    assert is_error(response, 403), route.route
    assert response.json()["code"] == "token_read_only"


# --- the root domain -----------------------------------------------------------------------


@pytest.fixture
def public_caller(db):
    """A client of the root domain for the person an endpoint is for: a French national admin
    (Lille is in their scope), or an anonymous visitor."""

    def of(who: str) -> Client:
        client = Client(HTTP_HOST="localhost")
        if who == NETWORK_ADMIN:
            user = User.objects.create_user("fr-admin@network.example.org", password="x" * 20)
            role = AdminRole.objects.create(user=user, level=AdminRole.Level.NATIONAL)
            AdminCountry.objects.create(role=role, country="FR")
            client.force_login(user)
        return client

    return of


@pytest.mark.parametrize("case", routes(PUBLIC_TABLE, PUBLIC_ROUTES))
def test_the_root_domains_endpoints_serve_their_person(case, public_caller):
    route, endpoint = case
    pk = endpoint.make().pk if endpoint.model else None
    response = call(public_caller(endpoint.who), route, endpoint, pk, urlconf=PUBLIC)
    assert response.status_code == endpoint.ok, (route.route, response.content[:300])


@pytest.mark.parametrize("case", routes(PUBLIC_TABLE, PUBLIC_ROUTES, having="invalid"))
def test_the_root_domains_endpoints_refuse_invalid_input_with_its_fields(case, public_caller):
    route, endpoint = case
    pk = endpoint.make().pk if endpoint.model else None
    response = call(
        public_caller(endpoint.who), route, endpoint, pk, body=endpoint.invalid, urlconf=PUBLIC
    )
    assert is_error(response, 400), (route.route, response.content[:300])
    assert set(endpoint.invalid_fields) <= set(response.json()["fields"]), route.route


@pytest.mark.parametrize("case", routes(PUBLIC_TABLE, PUBLIC_ROUTES, who=(NETWORK_ADMIN,)))
def test_the_network_admins_endpoints_refuse_anyone_else(case, public_caller):
    route, endpoint = case
    pk = endpoint.make().pk if endpoint.model else None
    anonymous = call(public_caller(ANYONE), route, endpoint, pk, urlconf=PUBLIC)
    assert is_error(anonymous, (401, 403)), route.route
    nobody = Client(HTTP_HOST="localhost")  # an account of the root domain without a role
    nobody.force_login(User.objects.create_user("nobody@example.org", password="x" * 20))
    assert is_error(call(nobody, route, endpoint, pk, urlconf=PUBLIC), 403), route.route


@pytest.mark.parametrize("case", routes(PUBLIC_TABLE, PUBLIC_ROUTES))
def test_a_section_token_is_refused_on_the_root_domain(case, public_client, lille_token):
    route, endpoint = case
    pk = endpoint.make().pk if endpoint.model else None  # a public-schema row (a section)
    response = call(public_client, route, endpoint, pk, urlconf=PUBLIC, **bearer(lille_token))
    assert is_error(response, (401, 404)), route.route


def test_every_token_is_refused_once_revoked_expired_or_its_coordinator_gone(
    lille, in_section, coordinator_user, lille_token
):
    client = Client(HTTP_HOST=lille.host)
    assert client.get("/api/v1/tokens/", **bearer(lille_token)).status_code == 200
    with in_section(lille):
        token = ApiToken.objects.get(name="CI")
        assert token.last_used_at is not None
        ApiToken.objects.filter(pk=token.pk).update(expires_at=token.created_at)
    assert is_error(client.get("/api/v1/tokens/", **bearer(lille_token)), 401)
    with in_section(lille):
        ApiToken.objects.filter(pk=token.pk).update(expires_at=token.expires_at)
    assert client.get("/api/v1/tokens/", **bearer(lille_token)).status_code == 200
    with in_section(lille):
        revoke_token(coordinator_user, token)
    assert is_error(client.get("/api/v1/tokens/", **bearer(lille_token)), 401)
    with in_section(lille):
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=None)
        coordinator_user.is_active = False
        coordinator_user.save(update_fields=["is_active"])
    assert is_error(client.get("/api/v1/tokens/", **bearer(lille_token)), 401)
