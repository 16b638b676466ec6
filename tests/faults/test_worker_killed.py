"""Fault: the Celery worker is killed (SIGKILL) in the middle of a match run. A real worker on
committed data; the run is held at its last step (writing the proposals) by a table lock that
the test takes in a connection of its own, so that the kill lands while the run is `running`
and the proposals' transaction is open. Afterwards the run is still `running`, no proposal of
it exists (never half-written), `release_stale_runs` marks it failed once it is stale, and a
new run requested then succeeds on a new worker."""

import time
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from factories import ProfileFactory
from matching import services
from matching.models import MatchRun, Proposal

pytestmark = pytest.mark.celery_worker


def wait_for(condition, timeout: float = 20, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}: {value}")


def own_connection() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    )


SESSIONS = (
    "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
    " AND datname = current_database()"
)
WAITING_ON = SESSIONS + " AND wait_event_type = 'Lock' AND query ILIKE %s"
ALIVE = SESSIONS + " AND pid = ANY(%s)"


def sessions_waiting_on(conn: psycopg.Connection, table: str) -> list[int]:
    """The other sessions whose statement on `table` waits for a lock."""
    return _pids(conn, WAITING_ON, [f"%{table}%"])


def sessions_alive(conn: psycopg.Connection, pids: list[int]) -> list[int]:
    return _pids(conn, ALIVE, [pids])


def _pids(conn: psycopg.Connection, query: str, params: list) -> list[int]:
    with conn.cursor() as cursor:
        # the lock's connection is in a transaction, which would keep one snapshot of the stats
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(query, params)
        return [pid for (pid,) in cursor.fetchall()]


def test_a_worker_killed_during_a_run_leaves_no_proposal_and_a_new_run_succeeds(
    start_worker, committed_lille, django_db_blocker, capsys
):
    table = Proposal._meta.db_table
    with django_db_blocker.unblock(), schema_context("lille"):
        ProfileFactory(buddy=True, capacity=2)
        ProfileFactory()
        ProfileFactory()

        lock = own_connection()  # holds the proposals' table: the run waits at its last step
        try:
            with lock.cursor() as cursor:
                cursor.execute(f'LOCK TABLE "lille"."{table}" IN EXCLUSIVE MODE')  # reads pass

            worker = start_worker()
            requested = time.monotonic()
            run = services.request_match_run(None)  # autocommit: committed and kicked at once
            wait_for(lambda: MatchRun.objects.get(pk=run.pk).status == "running", what="running")
            running_after = time.monotonic() - requested
            dead_sessions = wait_for(
                lambda: sessions_waiting_on(lock, table),
                what="the run to write its proposals",
            )
            at_kill = MatchRun.objects.get(pk=run.pk)
            assert (at_kill.status, at_kill.progress_note) == ("running", "writing proposals")

            worker.kill()
            killed = time.monotonic()
        finally:
            lock.rollback()  # the lock goes; the dead worker's statement may now run...
        # ...but its transaction never commits: PostgreSQL rolls it back when it finds the
        # client gone
        wait_for(
            lambda: not sessions_alive(lock, dead_sessions),
            what="the dead worker's session to end",
        )
        lock.close()
        session_gone_after = time.monotonic() - killed

        run = MatchRun.objects.get(pk=run.pk)
        assert run.status == "running" and run.finished_at is None
        assert not Proposal.objects.filter(run=run).exists()
        assert not Proposal.objects.exists()  # nothing superseded either: the block rolled back

        # not stale yet: left alone (the worker might still be alive for all we know)
        assert services.release_stale_runs(now=timezone.now()) == 0
        later = run.started_at + services.STALE_RUNNING + timedelta(seconds=1)
        assert services.release_stale_runs(now=later) == 1
        run.refresh_from_db()
        assert run.status == "failed" and run.error == "The worker stopped answering."
        assert not Proposal.objects.filter(run=run).exists()

        start_worker()
        restarted = time.monotonic()
        second = services.request_match_run(None)
        wait_for(
            lambda: not MatchRun.objects.get(pk=second.pk).in_progress,
            timeout=30,
            what="the second run",
        )
        second_seconds = time.monotonic() - restarted
        second.refresh_from_db()
        assert second.status == "succeeded", second.error
        assert (second.incoming_count, second.matched) == (2, 2)
        assert Proposal.objects.filter(run=second, status="proposed").count() == 2
    with capsys.disabled():
        print(
            f"\n[worker killed] running {running_after:.2f}s after the request; dead"
            f" worker's session gone {session_gone_after:.2f}s after the kill; second run"
            f" done {second_seconds:.2f}s after its request"
        )
