"""The root domain's sign-in URLs as a table: who may call them, and what they answer without
a sign-in under way; and what a sign-in leaves in the logs."""

import logging

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from core.accounts.models import User
from signin.conftest import portal

pytestmark = pytest.mark.django_db

# name -> (kwargs, the answer to anyone without a login under way). They are for anyone (the
# person is not signed in anywhere yet); what protects them is the state kept in the browser's
# root-domain session, so a platform admin's session changes nothing.
TABLE = {
    "signin_public:start": ({"provider": "myacademicid"}, 400),
    "signin_public:callback": ({"provider": "myacademicid"}, 400),
}


def test_the_table_knows_every_root_sign_in_url():
    resolver = get_resolver("config.urls_public")
    (signin,) = [
        p for p in resolver.url_patterns if getattr(p, "namespace", None) == "signin_public"
    ]
    assert {f"signin_public:{p.name}" for p in signin.url_patterns} == set(TABLE)


@pytest.mark.parametrize("name", sorted(TABLE))
@pytest.mark.parametrize("who", ["visitor", "platform admin"])
def test_root_urls_answer_everyone_alike(name, who, providers, public_client):
    if who == "platform admin":
        admin = User.objects.create_superuser("admin-signin@example.org", "long-enough-pass")
        public_client.force_login(admin)
    kwargs, status = TABLE[name]
    url = reverse(name, urlconf="config.urls_public", kwargs=kwargs)
    for query in ({}, {"next": "https://evil.example.org/"}, {"state": "x", "code": "y"}):
        assert public_client.get(url, query).status_code == status, (url, query)
    unknown = reverse(name, urlconf="config.urls_public", kwargs={"provider": "google"})
    assert public_client.get(unknown).status_code == 404


def test_the_section_urls_are_not_on_the_root_domain(public_client):
    assert public_client.get("/signin/complete/?code=x").status_code in (400, 404)
    assert Client(HTTP_HOST="localhost").get("/signin/register/").status_code in (400, 404)


# the test's own providers and clients log their requests; the platform is everything else
TEST_SIDE = ("werkzeug", "httpx", "httpcore", "pytest_httpserver", "oidc_provider_mock")


def test_a_sign_in_logs_no_address_claim_or_code(flow, lille, caplog):
    """Not even before the redaction of config.log: the platform's own lines never hold them."""
    from signin.test_myacademicid import claims

    caplog.set_level(logging.INFO)
    answer = flow.myacademicid(
        "logs@erasmus.eduteams.org", claims("secret.person@uni.de"), portal(lille)
    )
    code = answer["Location"].split("code=", 1)[1]
    flow.to_section(answer)
    flow.esn("esnlogs", {"mail": "hidden.buddy@esnlille.fr", "first": "Zoé"}, portal(lille))
    flow.myacademicid("nomail@erasmus.eduteams.org", {"name": "No Mail"}, portal(lille))
    ours = [r for r in caplog.records if not r.name.startswith(TEST_SIDE)]
    assert any("sign-in with myacademicid failed: email" in r.getMessage() for r in ours)
    logged = "\n".join(r.getMessage() + str(r.args) for r in ours)
    for secret in ("secret.person", "hidden.buddy", "Zoé", code, "erasmus.eduteams", "esnlogs"):
        assert secret not in logged, secret
