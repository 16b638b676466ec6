import pytest
from django.db import connection

from schema_catalog import schema_catalog
from tenants.models import SchemaRecording
from tenants.onboarding import SectionDetails, onboard_section
from tenants.schema_builder import migrate_section_schema, migration_state

pytestmark = pytest.mark.django_db


def test_a_replayed_schema_is_identical_to_a_migrated_one():
    # The session's sections recorded the current migration state; this one is replayed.
    assert SchemaRecording.objects.filter(migration_state=migration_state()).exists()
    onboard_section(
        SectionDetails(
            slug="replayed", name="R", city="R", country="FR", coordinator_email="r@x.org"
        )
    )
    migrate_section_schema("migrated")
    connection.set_schema_to_public()

    replayed, migrated = schema_catalog("replayed"), schema_catalog("migrated")
    for part in migrated:
        assert replayed[part] == migrated[part], part
    assert len(replayed["tables"]) >= 8
    assert any(name == "accounts_user_email_unique_ci" for _, name, _ in replayed["indexes"])
    assert any(definition.startswith("FOREIGN KEY") for *_, definition in replayed["constraints"])


def test_without_a_recording_onboarding_migrates_and_records():
    SchemaRecording.objects.all().delete()
    onboard_section(
        SectionDetails(slug="first", name="F", city="F", country="FR", coordinator_email="f@x.org")
    )
    recording = SchemaRecording.objects.get()
    assert recording.migration_state == migration_state()
    assert "CREATE TABLE" in recording.sql
    assert '"first"' not in recording.sql
    assert recording.statement_count > 20


def test_plain_migrate_onboarding_gives_the_same_schema():
    onboard_section(
        SectionDetails(slug="plain", name="P", city="P", country="FR", coordinator_email="p@x.org"),
        schema_method="migrate",
    )
    onboard_section(
        SectionDetails(slug="fast", name="F", city="F", country="FR", coordinator_email="f@x.org")
    )
    assert schema_catalog("plain") == schema_catalog("fast")
