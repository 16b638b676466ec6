import re
from collections import Counter

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.models import Profile
from demo.seed import DEMO_PASSWORD, seed_demo
from schema_catalog import schema_names
from tenants.models import Domain, Section
from tenants.onboarding import SectionDetails

pytestmark = pytest.mark.django_db

DEMO = (
    SectionDetails(
        slug="demoa", name="Demo A", city="A", country="BE", coordinator_email="a@x.org"
    ),
    SectionDetails(
        slug="demob", name="Demo B", city="B", country="DE", coordinator_email="b@x.org"
    ),
)


def snapshot() -> tuple:
    users = {}
    for slug in ("public", "demoa", "demob"):
        if slug in schema_names():
            with schema_context(slug):
                users[slug] = sorted(
                    User.objects.values_list("email", "password", "is_coordinator")
                )
    return (
        sorted(Section.objects.values_list("schema_name", "name", "created_at")),
        sorted(Domain.objects.values_list("domain", flat=True)),
        users,
    )


@pytest.mark.smoke
def test_seeding_twice_changes_nothing():
    seed_demo(DEMO)
    first = snapshot()
    assert {"demoa", "demob"} <= {row[0] for row in first[0]}
    with schema_context("demoa"):
        assert User.objects.get(email="a@x.org").check_password(DEMO_PASSWORD)
        roles = Counter(Profile.objects.values_list("role", flat=True))
        assert roles["incoming"] >= 12 and roles["buddy"] >= 12
        assert Profile.objects.filter(place_of_study__name="Université de A").exists()
        people = list(Profile.objects.values_list("user__first_name", "user__last_name"))
        assert len(set(people)) == len(people), "two demo students with one name"
        emails = User.objects.filter(profile__isnull=False).values_list("email", flat=True)
        assert all(re.fullmatch(r"[a-z]+(-[a-z]+)?\.[a-z]+@demoa\.example\.org", e) for e in emails)
    # set up: listed without "opening soon", registrations open
    assert set(
        Section.objects.filter(schema_name__in=("demoa", "demob")).values_list("set_up", flat=True)
    ) == {True}
    seed_demo(DEMO)
    assert snapshot() == first


def test_seed_demo_command_prints_the_urls_and_logins(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "lille.localhost" in out
    assert "coordinator@lille.example.org" in out
    assert DEMO_PASSWORD in out
