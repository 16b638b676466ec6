"""Nothing a user did is lost when the broker does not answer at commit: the request
succeeds, its outbox row waits, and the beat sweep (the relay in every section) sends it once
the broker is back. A match run whose task never reached a worker does not block new runs.

The first two tests commit (outside any test transaction), so that the kick runs in the
request, as in production; `committed_lille` removes what they wrote.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from clients import section_client
from config.celery import app
from core.accounts.models import User
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage
from factories import ProfileFactory
from matching import services as matching
from matching.models import MatchRun
from portal_helpers import make_catalogue, registration_data
from tenants.tasks import run_in_every_section

# the broker refused the connection (not any other error)
NOT_KICKED = "outbox relay not kicked (OperationalError)"


def kick_warnings(log) -> list[str]:
    return [r.getMessage() for r in log.records if r.getMessage().startswith(NOT_KICKED)]


def test_a_registration_while_the_broker_is_unreachable_is_sent_by_the_sweep(
    committed_lille, django_db_blocker, log, broker_unreachable
):
    with django_db_blocker.unblock():
        with schema_context("lille"):
            place, hobbies = make_catalogue()
        with broker_unreachable():
            assert app.conf.broker_url == "redis://127.0.0.1:1/0"
            assert not app.conf.task_always_eager
            response = section_client(committed_lille).post(
                "/register/incoming/", registration_data("incoming", place, hobbies)
            )
            # the kick failed in the request, after the commit: logged, not raised
            assert response.status_code == 302, response.content.decode()[:2000]
            assert response["Location"] == "/register/done/"
            assert kick_warnings(log) and all(
                "ana@example.org" not in w for w in kick_warnings(log)
            )
        connection.set_schema_to_public()
        with schema_context("lille"):
            user = User.objects.get(email="ana@example.org")
            assert user.profile.role == "incoming"
            row = OutboxMessage.objects.get(key=f"verify-email:{user.pk}")
            assert (row.status, row.attempts) == ("pending", 0)
        assert mail.outbox == []

        # the broker is back (in-process here): the minute's sweep sends it
        assert app.conf.task_always_eager
        assert app.conf.broker_url != "redis://127.0.0.1:1/0"
        run_in_every_section("core.outbox.tasks.relay")
        connection.set_schema_to_public()
        with schema_context("lille"):
            row.refresh_from_db()
    connection.set_schema_to_public()
    assert (row.status, row.attempts) == ("sent", 1)
    [email] = mail.outbox
    assert email.to == ["ana@example.org"]


def test_a_match_run_while_the_broker_is_unreachable_runs_after_the_sweep(
    committed_lille, django_db_blocker, log, broker_unreachable
):
    with django_db_blocker.unblock():
        with schema_context("lille"):
            assert not MatchRun.objects.filter(status__in=MatchRun.IN_PROGRESS).exists()
            ProfileFactory(buddy=True, capacity=1)
            ProfileFactory()
            ProfileFactory()
            coordinator = User.objects.get(is_coordinator=True)
        client = section_client(committed_lille, coordinator)
        with broker_unreachable():
            response = client.post("/coordinator/matching/runs/")
            assert response.status_code == 302
            assert response["Location"] == "/coordinator/matching/"
            assert kick_warnings(log)
        connection.set_schema_to_public()
        with schema_context("lille"):
            run = MatchRun.objects.get(status__in=MatchRun.IN_PROGRESS)
            assert (run.status, run.requested_by_id) == ("queued", coordinator.pk)
            row = OutboxMessage.objects.get(key=f"match-run:{run.pk}")
            assert (row.kind, row.name, row.args) == (
                "task",
                "matching.tasks.run_matching",
                {"args": [run.pk]},
            )
            assert (row.status, row.attempts) == ("pending", 0)
            # a second request meanwhile is refused: one run at a time
            with pytest.raises(matching.RunInProgress):
                matching.request_match_run(None)

            # the broker is back: the sweep publishes the task, which runs the match
            report = outbox.relay()
            assert report.sent >= 1
            row.refresh_from_db()
            run.refresh_from_db()
    connection.set_schema_to_public()
    assert (row.status, row.attempts) == ("sent", 1)
    assert run.status == "succeeded", run.error
    assert (run.incoming_count, run.matched) == (2, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "age", "released"),
    [
        ("queued", timedelta(minutes=31), True),
        ("queued", timedelta(minutes=29), False),
        ("running", timedelta(minutes=16), True),
        ("running", timedelta(minutes=14), False),
    ],
)
def test_a_stale_run_is_released_so_a_new_one_can_start(lille, in_section, status, age, released):
    with in_section(lille):
        assert not MatchRun.objects.filter(status__in=MatchRun.IN_PROGRESS).exists()
        stuck = MatchRun.objects.create(status=status)
        # queued long ago and never started, or started long ago by a worker that died
        MatchRun.objects.filter(pk=stuck.pk).update(
            created_at=timezone.now() - age,
            started_at=timezone.now() - age if status == "running" else None,
        )
        if not released:
            with pytest.raises(matching.RunInProgress):
                matching.request_match_run(None)
            assert matching.release_stale_runs() == 0
            stuck.refresh_from_db()
            assert stuck.status == status
            return
        run = matching.request_match_run(None)
        stuck.refresh_from_db()
        assert (stuck.status, run.status) == ("failed", "queued")
        assert stuck.finished_at is not None and stuck.error
        assert OutboxMessage.objects.filter(key=f"match-run:{run.pk}", status="pending").exists()


@pytest.mark.django_db
def test_release_stale_runs_counts_what_it_released(lille, in_section):
    with in_section(lille):
        queued = MatchRun.objects.create()
        later = timezone.now() + timedelta(minutes=31)
        assert matching.release_stale_runs(now=timezone.now() + timedelta(minutes=29)) == 0
        assert matching.release_stale_runs(now=later) == 1
        queued.refresh_from_db()
        assert (queued.status, queued.finished_at) == ("failed", later)
        running = MatchRun.objects.create(status="running", started_at=timezone.now())
        assert matching.release_stale_runs(now=timezone.now() + timedelta(minutes=14)) == 0
        assert matching.release_stale_runs(now=timezone.now() + timedelta(minutes=16)) == 1
        running.refresh_from_db()
        assert running.status == "failed"
