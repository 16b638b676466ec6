"""Network admins on the root domain: a European admin, a national admin of France and one
of Germany, and a German section (a row only: the pages and actions need no schema)."""

import pytest
from django.test import Client

from network.models import AdminCountry, AdminRole
from tenants.models import Domain, Section


def make_admin(email: str, level: str, countries=()):
    from core.accounts.models import User

    user = User.objects.create_user(email, password="buddy-network-2026")
    role = AdminRole.objects.create(user=user, level=level)
    for country in countries:
        AdminCountry.objects.create(role=role, country=country)
    return user


def client_of(user) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


@pytest.fixture
def european(db):
    return make_admin("eu@network.example.org", AdminRole.Level.EUROPEAN)


@pytest.fixture
def national_fr(db):
    return make_admin("fr@network.example.org", AdminRole.Level.NATIONAL, ["FR"])


@pytest.fixture
def national_de(db):
    return make_admin("de@network.example.org", AdminRole.Level.NATIONAL, ["DE"])


@pytest.fixture
def berlin(db):
    section = Section.objects.create(
        schema_name="berlin",
        name="ESN Berlin",
        city="Berlin",
        country="DE",
        contact_email="berlin@example.org",
    )
    Domain.objects.create(domain="berlin.localhost", tenant=section, is_primary=True)
    return section


@pytest.fixture
def fr_client(national_fr):
    return client_of(national_fr)


@pytest.fixture
def eu_client(european):
    return client_of(european)
