"""The providers on loopback: MyAcademicID is oidc-provider-mock (a real OpenID Connect
provider: discovery, keys, signed ID tokens, PKCE, userinfo), ESN Accounts a CAS 3 stub on
pytest-httpserver that issues one-time tickets for a service and validates them."""

import secrets
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit
from xml.sax.saxutils import escape

import httpx
import oidc_provider_mock
import pytest
from django.conf import settings as django_settings
from werkzeug import Request, Response

from core.signin.models import SigninSettings
from core.signin.providers import callback_url
from portal_helpers import make_catalogue

LILLE_CODE = "FR-LILL-ESN"


@pytest.fixture(scope="session")
def oidc_issuer():
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@dataclass
class CasStub:
    """`accounts[username] = attributes`; tickets are one-time and bound to their service."""

    accounts: dict[str, dict] = field(default_factory=dict)
    tickets: dict[str, tuple[str, str]] = field(default_factory=dict)
    down: bool = False

    def issue(self, username: str, service: str) -> str:
        ticket = f"ST-{secrets.token_hex(8)}"
        self.tickets[ticket] = (username, service)
        return ticket

    def login(self, request: Request) -> Response:
        """A person who has signed in at the CAS server: back to the service with a ticket."""
        service = request.args["service"]
        username = request.args.get("as", "")  # which account signs in, for the tests
        joiner = "&" if "?" in service else "?"
        return Response(
            status=302,
            headers={"Location": f"{service}{joiner}ticket={self.issue(username, service)}"},
        )

    def validate(self, request: Request) -> Response:
        if self.down:
            return Response("<html>Bad gateway</html>", status=502)
        found = self.tickets.pop(request.args.get("ticket", ""), None)
        ns = 'xmlns:cas="http://www.yale.edu/tp/cas"'
        if found is None or found[1] != request.args.get("service"):
            body = (
                f"<cas:serviceResponse {ns}>"
                '<cas:authenticationFailure code="INVALID_TICKET">no</cas:authenticationFailure>'
                "</cas:serviceResponse>"
            )
            return Response(body, content_type="application/xml")
        username = found[0]
        attributes = "".join(
            f"<cas:{name}>{escape(str(value))}</cas:{name}>"
            for name, values in self.accounts[username].items()
            for value in (values if isinstance(values, list) else [values])
        )
        body = (
            f"<cas:serviceResponse {ns}><cas:authenticationSuccess>"
            f"<cas:user>{escape(username)}</cas:user><cas:attributes>{attributes}</cas:attributes>"
            "</cas:authenticationSuccess></cas:serviceResponse>"
        )
        return Response(body, content_type="application/xml")


@pytest.fixture
def cas(httpserver):
    stub = CasStub()
    httpserver.expect_request("/cas/login").respond_with_handler(stub.login)
    httpserver.expect_request("/cas/p3/serviceValidate").respond_with_handler(stub.validate)
    return stub


@pytest.fixture
def providers(settings, oidc_issuer, httpserver, cas, lille, paris, in_section):
    """The platform registered with both providers; Lille offers both, Paris MyAcademicID."""
    settings.MYACADEMICID_ISSUER = oidc_issuer
    settings.MYACADEMICID_CLIENT_ID = "buddysystem"
    settings.MYACADEMICID_CLIENT_SECRET = "not-a-real-secret"
    settings.ESN_CAS_URL = httpserver.url_for("/cas/")
    with in_section(lille):
        SigninSettings.objects.update_or_create(
            pk=1, defaults={"myacademicid": True, "esn": True, "esn_section_code": LILLE_CODE}
        )
    with in_section(paris):
        SigninSettings.objects.update_or_create(pk=1, defaults={"myacademicid": True})


def portal(section, path: str = "/account/") -> str:
    port = f":{django_settings.SITE_PORT}" if django_settings.SITE_PORT else ""
    return f"{django_settings.SITE_SCHEME}://{section.host}{port}{path}"


def local(url: str) -> str:
    """A URL's path and query, as a test client requests it."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@dataclass
class Flow:
    """A browser: one client per host, as a browser keeps one cookie jar per host."""

    public: object
    section: object
    issuer: str
    cas: CasStub

    def myacademicid(self, sub: str, claims: dict | None, next_url: str, *, deny=False):
        """Start on the root domain, sign in at the provider; the root domain's answer."""
        if claims is not None:
            put = httpx.put(f"{self.issuer}/users/{quote(sub, safe='')}", json=claims)
            assert put.status_code == 204
        started = self.public.get("/signin/myacademicid/", {"next": next_url})
        assert started.status_code == 302, started.content
        form = {"action": "deny"} if deny else {"sub": sub}
        answered = httpx.post(started["Location"], data=form)
        assert answered.status_code == 302, answered.text
        back = answered.headers["location"]
        assert back.startswith(callback_url("myacademicid"))
        return self.public.get(local(back))

    def esn(self, username: str, attributes: dict, next_url: str):
        self.cas.accounts[username] = attributes
        started = self.public.get("/signin/esn/", {"next": next_url})
        assert started.status_code == 302, started.content
        login = httpx.get(started["Location"] + "&" + urlencode({"as": username}))
        assert login.status_code == 302
        return self.public.get(local(login.headers["location"]))

    def to_section(self, answer):
        """Follow the root domain's redirect to the section's host."""
        assert answer.status_code == 302, answer.content
        assert urlsplit(answer["Location"]).hostname == self.section.defaults["HTTP_HOST"]
        return self.section.get(local(answer["Location"]))


@pytest.fixture
def catalogue(lille, in_section):
    """Lille's place of study and hobbies: registration opens only with a place to choose."""
    with in_section(lille):
        return make_catalogue()


@pytest.fixture
def flow(providers, catalogue, public_client, lille, client_for, oidc_issuer, cas):
    return Flow(public_client, client_for(lille), oidc_issuer, cas)
