import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context

from core.accounts.models import User
from schema_catalog import schema_names
from tenants import onboarding
from tenants.models import Domain, Section
from tenants.onboarding import SectionDetails, onboard_section

pytestmark = pytest.mark.django_db


def details(**overrides) -> SectionDetails:
    fields = dict(
        slug="lyon",
        name="ESN Lyon",
        city="Lyon",
        country="FR",
        coordinator_email="Anna.Coord@Example.org",
    )
    return SectionDetails(**{**fields, **overrides})


def database_state() -> tuple:
    return (
        set(Section.objects.values_list("schema_name", flat=True)),
        set(Domain.objects.values_list("domain", flat=True)),
        schema_names(),
        User.objects.count(),
    )


@pytest.mark.smoke
def test_onboarding_creates_schema_domain_and_invited_coordinator(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        section = onboard_section(details())

    assert section.slug == "lyon"
    assert Domain.objects.get(tenant=section).domain == "lyon.localhost"
    assert "lyon" in schema_names()
    with schema_context("lyon"):
        coordinator = User.objects.get()
        assert coordinator.email == "anna.coord@example.org"
        assert coordinator.is_coordinator and not coordinator.has_usable_password()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM django_migrations")
            assert cursor.fetchone()[0] > 10
    assert connection.schema_name == "public"
    [invitation] = mail.outbox
    assert invitation.to == ["anna.coord@example.org"]
    assert f"{section.portal_url}/accounts/set-password/" in invitation.body


def test_invitation_waits_for_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        onboard_section(details())
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert [message.to for message in mail.outbox] == [["anna.coord@example.org"]]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"slug": "www"}, "slug", "reserved"),
        ({"slug": "admin"}, "slug", "reserved"),
        ({"slug": "api"}, "slug", "reserved"),
        ({"slug": "public"}, "slug", "reserved"),
        ({"slug": "static"}, "slug", "reserved"),
        ({"slug": "lyon-nord"}, "slug", "lowercase letters and digits"),
        ({"slug": "Lyon"}, "slug", "lowercase letters and digits"),
        ({"slug": "9lives"}, "slug", "lowercase letters and digits"),
        ({"slug": "l"}, "slug", "lowercase letters and digits"),
        ({"slug": "x" * 41}, "slug", "lowercase letters and digits"),
        ({"slug": "lille"}, "slug", "already exists"),
        ({"country": "XX"}, "country", "two-letter ISO code"),
        ({"country": "France"}, "country", "two-letter ISO code"),
        ({"coordinator_email": "not-an-email"}, "coordinator_email", "valid email"),
        ({"contact_email": "a@b@c"}, "contact_email", "valid email"),
        ({"name": "  "}, "name", "required"),
        ({"kind": "club"}, "kind", "Choose one of"),
        ({"default_language": "xx"}, "default_language", "language"),
    ],
)
def test_bad_input_is_refused_and_leaves_nothing(overrides, field, message):
    before = database_state()
    with pytest.raises(ValidationError) as refused:
        onboard_section(details(**overrides))
    assert message in " ".join(refused.value.message_dict[field])
    assert database_state() == before


def test_a_domain_already_taken_is_refused():
    lille = Section.objects.get(schema_name="lille")
    Domain.objects.create(domain="lyon.localhost", tenant=lille, is_primary=False)
    before = database_state()
    with pytest.raises(ValidationError) as refused:
        onboard_section(details())
    assert "already taken" in refused.value.message_dict["slug"][0]
    assert database_state() == before


@pytest.mark.parametrize("failing_step", ["build_section_schema", "invite_coordinator"])
def test_a_failure_half_way_leaves_no_schema_domain_or_row(monkeypatch, failing_step):
    real_step = getattr(onboarding, failing_step)

    def fail_after_doing_it(*args, **kwargs):
        real_step(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(onboarding, failing_step, fail_after_doing_it)
    before = database_state()
    with pytest.raises(RuntimeError, match="disk full"):
        onboard_section(details())
    assert database_state() == before
    assert connection.schema_name == "public"


def test_create_section_command(capsys):
    call_command(
        "create_section",
        "lyon",
        name="ESN Lyon",
        city="Lyon",
        country="fr",
        coordinator_email="anna@example.org",
    )
    assert "lyon.localhost" in capsys.readouterr().out
    assert Section.objects.get(schema_name="lyon").country.code == "FR"


def test_create_section_command_names_every_bad_field():
    before = database_state()
    with pytest.raises(CommandError) as refused:
        call_command(
            "create_section",
            "www",
            name="ESN",
            city="Lyon",
            country="ZZ",
            coordinator_email="nope",
        )
    assert "slug:" in str(refused.value)
    assert "country:" in str(refused.value)
    assert "coordinator_email:" in str(refused.value)
    assert database_state() == before
