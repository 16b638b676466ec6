"""The providers' protocols, run on the root domain: where to send the person, and what the
provider says of them when they come back.

MyAcademicID is OpenID Connect (Authlib: discovery, PKCE, state and nonce, the ID token's
signature, issuer, audience and nonce checked); its claims are read from the userinfo
endpoint, where eduTEAMS releases them. ESN Accounts is CAS 3 (python-cas:
`p3/serviceValidate` and its attributes). Both keep what a login under way needs in the root
domain's session, keyed by a random state that also travels to the provider and back.
"""

import secrets
import time
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode
from xml.etree.ElementTree import ParseError

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from cas import CASClientV3
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.urls import reverse
from joserfc.errors import JoseError

from core.signin.models import Provider
from tenants.models import site_url

# What a login under way may take, from the click to the provider's answer.
PENDING_SECONDS = 15 * 60
MYACADEMICID_SCOPES = "openid profile email schac_home_organization schac_personal_unique_code"
ESI_PREFIX = "urn:schac:personalUniqueCode:int:esi:"


class SigninFailed(Exception):
    """A sign-in that cannot go on; `reason` names the page that says why (views.FAILURES)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Claims:
    """What a provider says of the person, in our terms."""

    provider: str
    subject: str
    email: str
    email_verified: bool
    first_name: str = ""
    last_name: str = ""
    home_organization: str = ""
    student_identifiers: list[str] = field(default_factory=list)
    esn_section_code: str = ""
    esn_roles: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Started:
    """What the root domain keeps of a login under way: whose section, where to go back."""

    schema: str
    next_path: str


def is_configured(provider: str) -> bool:
    """The platform holds what this provider needs (client id and secret, the CAS server)."""
    if provider == Provider.MYACADEMICID:
        return bool(settings.MYACADEMICID_CLIENT_ID and settings.MYACADEMICID_CLIENT_SECRET)
    return provider == Provider.ESN and bool(settings.ESN_CAS_URL)


def callback_url(provider: str) -> str:
    """The redirect URI registered with the provider: one per provider, on the root domain."""
    path = reverse(
        "signin_public:callback", urlconf=settings.PUBLIC_SCHEMA_URLCONF, args=[provider]
    )
    return site_url(settings.BASE_DOMAIN) + path


def start(request: HttpRequest, provider: str, started: Started) -> str:
    """Remember the login in the root domain's session; the provider's address to go to."""
    if provider == Provider.MYACADEMICID:
        client = _oidc_client(*_oidc_config())
        try:
            found = client.create_authorization_url(callback_url(provider))
        except (requests.RequestException, ValueError) as error:  # discovery failed
            raise SigninFailed("down") from error
        client.save_authorize_data(request, redirect_uri=callback_url(provider), **found)
        state, url = found["state"], found["url"]
    else:
        state = secrets.token_urlsafe(24)
        url = _cas_client(state).get_login_url()
    _keep(request.session, provider, state, started)
    return url


def finish(request: HttpRequest, provider: str) -> tuple[Claims, Started]:
    """The provider's answer checked and read; SigninFailed otherwise."""
    state = request.GET.get("state", "")
    if provider == Provider.MYACADEMICID and request.GET.get("error"):
        # Before the state: an error answer changes nothing, and some providers (the mock)
        # send it without the state. access_denied: the person said no, or left.
        raise SigninFailed("cancelled" if request.GET["error"] == "access_denied" else "refused")
    started = _take(request.session, provider, state)
    if provider == Provider.MYACADEMICID:
        return _finish_oidc(request), started
    return _finish_cas(request.GET.get("ticket", ""), state), started


def _keep(session: SessionBase, provider: str, state: str, started: Started) -> None:
    session[f"signin:{provider}:{state}"] = {
        "schema": started.schema,
        "next": started.next_path,
        "at": time.time(),
    }


def _take(session: SessionBase, provider: str, state: str) -> Started:
    """The login this state started in this browser, once; a missing, replayed, foreign or
    stale state is refused (login CSRF: an answer this browser did not ask for)."""
    kept = session.pop(f"signin:{provider}:{state}", None) if state else None
    if not isinstance(kept, dict) or time.time() - kept.get("at", 0) > PENDING_SECONDS:
        raise SigninFailed("state")
    return Started(schema=kept["schema"], next_path=kept["next"])


# --- MyAcademicID: OpenID Connect -----------------------------------------------------------


def _oidc_config() -> tuple[str, str, str]:
    return (
        settings.MYACADEMICID_ISSUER.rstrip("/"),
        settings.MYACADEMICID_CLIENT_ID,
        settings.MYACADEMICID_CLIENT_SECRET,
    )


@lru_cache(maxsize=4)
def _oidc_client(issuer: str, client_id: str, client_secret: str):
    """One client per configuration, so that discovery and the keys are fetched once."""
    return OAuth().register(
        Provider.MYACADEMICID.value,
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": MYACADEMICID_SCOPES,
            "code_challenge_method": "S256",
            "default_timeout": settings.SIGNIN_TIMEOUT,
        },
    )


def _finish_oidc(request: HttpRequest) -> Claims:
    client = _oidc_client(*_oidc_config())
    try:
        token = client.authorize_access_token(request)
        if "userinfo" not in token:  # no ID token, or no nonce kept: nothing was verified
            raise SigninFailed("state")
        userinfo = client.userinfo(token=token)
    except MismatchingStateError as error:
        raise SigninFailed("state") from error
    except JoseError as error:  # a bad signature, issuer, audience, expiry or nonce
        raise SigninFailed("state") from error
    except OAuthError as error:  # the token endpoint refused the code
        raise SigninFailed("refused") from error
    except (requests.RequestException, ValueError) as error:
        raise SigninFailed("down") from error
    subject = str(token["userinfo"].get("sub") or "")
    if not subject or str(userinfo.get("sub")) != subject:
        raise SigninFailed("state")  # the userinfo of someone else than the ID token's
    claims = {**token["userinfo"], **userinfo}
    given, family = claims.get("given_name") or "", claims.get("family_name") or ""
    if not (given or family):
        given, _, family = str(claims.get("name") or "").partition(" ")
    codes = claims.get("schac_personal_unique_code") or []
    return Claims(
        provider=Provider.MYACADEMICID,
        subject=subject,
        email=str(claims.get("email") or ""),
        # eduTEAMS verifies the address before it registers a person and sends no
        # email_verified claim; an explicit false is respected all the same.
        email_verified=claims.get("email_verified", True) is not False,
        first_name=str(given),
        last_name=str(family),
        home_organization=str(claims.get("schac_home_organization") or "")[:255],
        student_identifiers=[
            code
            for code in ([codes] if isinstance(codes, str) else codes)
            if isinstance(code, str) and code.startswith(ESI_PREFIX)
        ],
    )


# --- ESN Accounts: CAS 3 --------------------------------------------------------------------


class _TimeoutSession(requests.Session):
    """python-cas sends its validation request without a timeout: a hanging CAS server would
    hold the web worker. This session puts one on every request."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", settings.SIGNIN_TIMEOUT)
        return super().request(*args, **kwargs)


def _cas_client(state: str) -> CASClientV3:
    # The state rides in the service URL: CAS has no state parameter, and the ticket is
    # valid only for the exact service it was issued to.
    service = f"{callback_url(Provider.ESN)}?{urlencode({'state': state})}"
    return CASClientV3(
        service_url=service, server_url=settings.ESN_CAS_URL, session=_TimeoutSession()
    )


def _finish_cas(ticket: str, state: str) -> Claims:
    if not ticket:
        raise SigninFailed("cancelled")
    try:
        subject, attributes, _pgtiou = _cas_client(state).verify_ticket(ticket)
    except requests.RequestException as error:
        raise SigninFailed("down") from error
    except (ParseError, IndexError) as error:  # not a CAS answer: an error page, a proxy's
        raise SigninFailed("down") from error
    if not subject:
        raise SigninFailed("refused")  # authenticationFailure: an unknown or used ticket
    attributes = attributes or {}

    def one(name: str) -> str:
        value = attributes.get(name) or ""
        return str(value[0] if isinstance(value, list) else value)

    roles = attributes.get("roles") or []
    return Claims(
        provider=Provider.ESN,
        subject=str(subject),
        email=one("mail"),
        email_verified=True,  # ESN Accounts confirms an address before the account opens
        first_name=one("first"),
        last_name=one("last"),
        esn_section_code=one("sc"),
        esn_roles=[str(role) for role in ([roles] if isinstance(roles, str) else roles)],
    )
