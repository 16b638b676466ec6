"""The client's address behind the trusted proxies (config.client): what throttles and the
login lockout count by. Behind a proxy every request comes from the proxy's address: without
the setting, every user would share one throttle and one lockout."""

import pytest
from django.test import Client, RequestFactory

from config.client import client_address
from factories import ProfileFactory
from portal_helpers import make_catalogue, registration_data

PROXY = "10.0.0.2"


def address(meta: dict) -> str:
    return client_address(RequestFactory().get("/", **meta))


def test_reached_directly_the_peer_is_the_client_whatever_the_header_says(settings):
    settings.TRUSTED_PROXIES = 0
    assert address({"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}) == (
        "203.0.113.7"
    )


@pytest.mark.parametrize(
    ("proxies", "forwarded", "client"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        # what the client wrote itself is left of what our proxy appended: never believed
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        (2, "1.2.3.4, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
        # fewer entries than proxies, or garbage: only the peer is known
        (2, "203.0.113.7", PROXY),
        (1, "", PROXY),
        (1, "not-an-address", PROXY),
        (1, "203.0.113.7, ", "203.0.113.7"),
    ],
)
def test_behind_proxies_the_client_is_the_entry_our_first_proxy_appended(
    settings, proxies, forwarded, client
):
    settings.TRUSTED_PROXIES = proxies
    assert address({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}) == client


def through_proxy(section, client_ip: str) -> Client:
    client = Client(HTTP_HOST=section.host, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_ip)
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("proxies", "second_client_status"), [(1, 200), (0, 429)])
def test_registration_throttle_counts_each_client_behind_the_proxy(
    settings, lille, in_section, proxies, second_client_status
):
    settings.TRUSTED_PROXIES = proxies
    with in_section(lille):
        place, hobbies = make_catalogue()
    bad = registration_data("incoming", place, hobbies, email="nope")
    first = through_proxy(lille, "203.0.113.7")
    assert [first.post("/register/incoming/", bad).status_code for _ in range(11)][-1] == 429
    second = through_proxy(lille, "198.51.100.4")
    assert second.post("/register/incoming/", bad).status_code == second_client_status


@pytest.mark.django_db
@pytest.mark.parametrize(("proxies", "other_client_status"), [(1, 302), (0, 429)])
def test_login_lockout_counts_each_client_behind_the_proxy(
    settings, lille, in_section, proxies, other_client_status
):
    settings.TRUSTED_PROXIES = proxies
    with in_section(lille):
        ProfileFactory(user__email="ana@example.org")
    attacker = through_proxy(lille, "203.0.113.7")
    for n in range(5):  # five accounts tried from one client: that client is locked
        attacker.post("/accounts/login/", {"username": f"x{n}@example.org", "password": "wrong"})
    ana = {"username": "ana@example.org", "password": "long-enough-pass"}
    assert attacker.post("/accounts/login/", ana).status_code == 429
    owner = through_proxy(lille, "198.51.100.4")
    assert owner.post("/accounts/login/", ana).status_code == other_client_status
