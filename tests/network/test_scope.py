"""Role scoping on every network page and action: one table of the root domain's URLs.

A national admin of France can neither see nor change a German section, by page or action,
nor invite a German admin; a European admin can; anyone else is refused."""

import pytest
from django.urls import get_resolver, reverse

from network.models import AdminRole, JoinRequest, SupportAccess
from tenants.models import Section

from .conftest import client_of, make_admin

pytestmark = pytest.mark.django_db

# Every URL of network.urls: how it is called and which object its id names. A URL not in
# the table fails test_the_table_knows_every_network_url.
PUBLIC = {
    "network:login",
    "network:logout",
    "network:set_password",
    "network:join",
    "network:join_sent",
}
TABLE = {
    "network:statistics": ("get", {}),
    "network:statistics_csv": ("get", {}),
    "network:join_requests": ("get", {}),
    "network:join_request": ("get", {"request_id": "join"}),
    "network:approve_join_request": ("post", {"request_id": "join"}),
    "network:decline_join_request": ("post", {"request_id": "join"}),
    "network:sections": ("get", {}),
    "network:new_section": ("get", {}),
    "network:import_sections": ("get", {}),
    "network:section": ("get", {"section_id": "section"}),
    "network:set_section_active": ("post", {"section_id": "section"}),
    "network:invite_coordinator": ("post", {"section_id": "section"}),
    "network:deactivate_coordinator": ("post", {"section_id": "section", "user_id": 1}),
    "network:open_support_access": ("post", {"section_id": "section"}),
    "network:end_support_access": ("post", {"section_id": "section", "grant_id": "grant"}),
    "network:admins": ("get", {}),
    "network:deactivate_admin": ("post", {"role_id": "role"}),
    "network:audit_log": ("get", {}),
}


def network_url_names() -> set[str]:
    resolver = get_resolver("config.urls_public")
    (network,) = [p for p in resolver.url_patterns if getattr(p, "namespace", None) == "network"]
    return {f"network:{p.name}" for p in network.url_patterns}


def test_the_table_knows_every_network_url():
    assert network_url_names() == set(TABLE) | PUBLIC


def objects_in(country: str, section: Section) -> dict:
    join = JoinRequest.objects.create(
        name="ESN Somewhere",
        city="Somewhere",
        country=country,
        kind="association",
        contact_name="Ann Applicant",
        contact_email="ann@example.org",
        coordinator_email="coord@example.org",
    )
    admin = make_admin(f"admin-{country.lower()}@example.org", AdminRole.Level.NATIONAL, [country])
    grant = SupportAccess.objects.create(
        admin=admin,
        admin_email=admin.email,
        section=section,
        reason="r",
        expires_at="2099-01-01T00:00Z",
    )
    return {"join": join.pk, "section": section.pk, "grant": grant.pk, "role": admin.admin_role.pk}


def url(name: str, objects: dict) -> str:
    _method, kwargs = TABLE[name]
    return reverse(
        name,
        urlconf="config.urls_public",
        kwargs={k: objects.get(v, v) for k, v in kwargs.items()} or None,
    )


def call(client, name, objects):
    method = TABLE[name][0]
    return getattr(client, method)(url(name, objects))


@pytest.mark.parametrize("name", sorted(TABLE))
def test_a_french_admin_is_refused_everything_german(name, fr_client, berlin):
    german = objects_in("DE", berlin)
    before = Section.objects.values().get(pk=berlin.pk)
    response = call(fr_client, name, german)
    if any(value in ("join", "section", "grant", "role") for value in TABLE[name][1].values()):
        assert response.status_code == 404, name
    else:
        assert response.status_code in (200, 400), name
    assert Section.objects.values().get(pk=berlin.pk) == before
    assert not SupportAccess.objects.filter(admin__email="fr@network.example.org").exists()
    assert JoinRequest.objects.get(pk=german["join"]).status == JoinRequest.Status.PENDING
    assert AdminRole.objects.get(pk=german["role"]).user.is_active


@pytest.mark.parametrize("name", sorted(TABLE))
def test_only_admins_get_in(name, berlin, lille, client_for):
    objects = objects_in("DE", berlin)
    from django.test import Client

    anonymous = call(Client(HTTP_HOST="localhost"), name, objects)
    assert anonymous.status_code in (302, 405)
    if anonymous.status_code == 302:
        assert "/network/login/" in anonymous["Location"]
    from core.accounts.models import User

    nobody = User.objects.create_user("nobody@example.org", password="x")
    assert call(client_of(nobody), name, objects).status_code in (403, 405)


@pytest.mark.parametrize("name", [n for n, (m, _k) in TABLE.items() if m == "get"])
def test_a_european_admin_sees_every_page(name, eu_client, berlin):
    assert call(eu_client, name, objects_in("DE", berlin)).status_code == 200


def test_the_french_admin_sees_french_sections_only(fr_client, berlin, lille, paris):
    page = fr_client.get("/network/sections/").content.decode()
    assert "ESN Lille" in page and "ESN Paris" in page
    assert "ESN Berlin" not in page
    assert fr_client.get(f"/network/sections/{lille.pk}/").status_code == 200


def test_the_french_admin_cannot_move_a_section_to_germany(fr_client, lille):
    response = fr_client.post(
        f"/network/sections/{lille.pk}/",
        {
            "name": "ESN Lille",
            "city": "Lille",
            "country": "DE",
            "kind": "association",
            "contact_email": "coordinator@lille.example.org",
            "default_language": "fr",
        },
    )
    assert response.status_code == 400
    lille.refresh_from_db()
    assert lille.country == "FR"


def test_a_french_admin_cannot_invite_a_german_or_european_admin(fr_client):
    for data in (
        {"email": "x@example.org", "level": "national", "countries": ["DE"], "language": "en"},
        {"email": "x@example.org", "level": "european", "language": "en"},
    ):
        assert fr_client.post("/network/admins/", data).status_code == 400
    assert not AdminRole.objects.filter(user__email="x@example.org").exists()


def test_a_french_admin_invites_a_french_admin_who_is_emailed(fr_client, mailoutbox):
    from django_tenants.utils import schema_context

    from core.outbox.services import relay

    response = fr_client.post(
        "/network/admins/",
        {"email": "new@example.org", "level": "national", "countries": ["FR"], "language": "fr"},
    )
    assert response.status_code == 302
    role = AdminRole.objects.get(user__email="new@example.org")
    assert [str(c.country) for c in role.countries.all()] == ["FR"]
    with schema_context("public"):
        relay()
    (email,) = mailoutbox
    assert email.to == ["new@example.org"]
    assert "/network/set-password/" in email.body
    assert "administrateur" in email.subject.lower() or "admin" in email.subject.lower()


def test_a_french_admin_cannot_onboard_in_germany(fr_client):
    response = fr_client.post(
        "/network/sections/new/",
        {
            "slug": "munich",
            "name": "ESN München",
            "city": "München",
            "country": "DE",
            "kind": "association",
            "coordinator_email": "c@example.org",
            "default_language": "en",
        },
    )
    assert response.status_code == 400
    assert not Section.objects.filter(schema_name="munich").exists()


def test_admins_deactivate_admins_in_their_scope_only(fr_client, national_de):
    other_fr = make_admin("fr2@example.org", AdminRole.Level.NATIONAL, ["FR"])
    assert (
        fr_client.post(f"/network/admins/{other_fr.admin_role.pk}/deactivate/").status_code == 302
    )
    other_fr.refresh_from_db()
    assert not other_fr.is_active
    # the German admin is not even listed for the French one
    assert (
        fr_client.post(f"/network/admins/{national_de.admin_role.pk}/deactivate/").status_code
        == 404
    )
    national_de.refresh_from_db()
    assert national_de.is_active


def test_the_django_admin_is_for_superusers_only(eu_client):
    from core.accounts.models import User

    assert eu_client.get("/admin/").status_code == 302  # to the admin's login: not for them
    staff = User.objects.create_user("staff@example.org", password="x", is_staff=True)
    assert client_of(staff).get("/admin/").status_code == 302
    root = User.objects.create_superuser("root@example.org", password="x")
    assert client_of(root).get("/admin/").status_code == 200
