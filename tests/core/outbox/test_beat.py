"""The beat schedule: every entry run in every section names a registered task, the outbox
relay among them every minute; the sweep relays each active section's own outbox."""

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail

from config.celery import app
from core.emails import VERIFY_EMAIL
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from factories import ProfileFactory
from tenants.models import Section
from tenants.tasks import run_in_every_section

EVERY_SECTION = "tenants.tasks.run_in_every_section"


def in_every_section() -> dict[str, str]:
    return {
        name: entry["args"][0]
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"] == EVERY_SECTION
    }


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
        assert isinstance(entry["schedule"], crontab), name
    run_in_sections = in_every_section()
    assert run_in_sections
    for name, task_name in run_in_sections.items():
        assert task_name in app.tasks, f"{name}: {task_name} is not a registered task"
        assert len(settings.CELERY_BEAT_SCHEDULE[name]["args"]) == 1, name


def test_the_outbox_relay_runs_in_every_section_every_minute():
    relays = [
        name
        for name, task_name in in_every_section().items()
        if task_name == "core.outbox.tasks.relay"
    ]
    assert len(relays) == 1
    schedule = settings.CELERY_BEAT_SCHEDULE[relays[0]]["schedule"]
    assert schedule.minute == set(range(60))
    assert schedule.hour == set(range(24))
    assert schedule.day_of_week == set(range(7))
    assert schedule.day_of_month == set(range(1, 32))
    assert schedule.month_of_year == set(range(1, 13))


def test_stale_runs_are_released_in_every_section_regularly():
    releases = [
        name
        for name, task_name in in_every_section().items()
        if task_name == "matching.tasks.release_stale_runs"
    ]
    assert len(releases) == 1
    schedule = settings.CELERY_BEAT_SCHEDULE[releases[0]]["schedule"]
    # more often than a run is deemed stale (15 minutes running), every hour of every day
    assert len(schedule.minute) >= 4 and schedule.hour == set(range(24))


@pytest.mark.django_db
def test_the_sweep_relays_each_sections_own_outbox(lille, paris, in_section, monkeypatch):
    monkeypatch.setattr(outbox, "kick_after_commit", lambda: None)  # only the sweep relays
    rows = {}
    for section, address in ((lille, "ana@example.org"), (paris, "bob@example.org")):
        with in_section(section):
            student = ProfileFactory(email_verified_at=None, user__email=address)
            rows[section.schema_name] = outbox.send_email(
                f"verify-email:{student.user_id}", VERIFY_EMAIL, user=student.user_id
            )
    assert mail.outbox == []
    # beat's entry, run in-process: one relay per active section, each in its own schema
    sections = Section.objects.filter(is_active=True).exclude(schema_name="public").count()
    assert run_in_every_section("core.outbox.tasks.relay") == sections
    for section in (lille, paris):
        with in_section(section):
            row = OutboxMessage.objects.get(key=rows[section.schema_name].key)
            assert (row.status, row.attempts) == ("sent", 1)
    by_address = {email.to[0]: email for email in mail.outbox}
    assert sorted(by_address) == ["ana@example.org", "bob@example.org"]
    assert lille.portal_url in by_address["ana@example.org"].body
    assert paris.portal_url in by_address["bob@example.org"].body
