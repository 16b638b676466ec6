"""The coordinator's pages on a big section, and "confirm all" on 2,500 proposals.

Run by `make bench`. In a database of its own (buddysystem_bench): a section with 5,000
incoming students and 3,000 buddies (tests/bench/bench_match_run.py's data), a run with
about 2,500 of its proposals confirmed, a second run, 2,500 follow-up requests spread over
the pairs and an event with 750 attendees. Each page is requested 50 times as a coordinator:
p50 and p95, size and queries. Goal: p95 < 300 ms and < 200 KB per page, the queries a
constant (tests/matching/test_review.py asserts they do not grow with the data). Then
"confirm all" on the second run's proposals: the request (which only records the
confirmation, tells the waiting and starts the task through the outbox) under 1 s, the task
(as a worker runs it) under 60 s, and every pair's two emails in the outbox.
"""

import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("STATIC_MANIFEST", "false")  # pages render without collectstatic
os.environ.setdefault("BENCH_INCOMING", "5000")
os.environ.setdefault("BENCH_BUDDIES", "3000")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_match_run import build_section, new_bench_section
from django.db import connection
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from page_timing import measure

from core.accounts.models import User
from core.events.models import Event, EventRegistration
from core.models import Profile
from core.outbox.models import OutboxMessage
from matching import services
from matching.followup.models import CheckIn
from matching.models import Confirmation, MatchRun, Pair, Proposal

GOAL_MS, GOAL_KB = 300, 200
CONFIRMED = 2_500


def build() -> tuple[MatchRun, MatchRun, Event, User]:
    build_section(random.Random(2026))  # noqa: S311 - reproducible bench data
    # names to search for and to show (the shared data has none)
    User.objects.update(first_name="Student", last_name=Concat(Value("N"), Cast("id", CharField())))
    first = MatchRun.objects.create()
    services.execute_match_run(first.pk)
    ids = list(first.proposals.order_by("-score").values_list("pk", flat=True)[:CONFIRMED])
    services.confirm_proposals(None, ids)
    services.tell_waiting_students(None, MatchRun.objects.get(pk=first.pk))
    pairs = list(Pair.objects.active().values_list("pk", "incoming_id")[::20])
    CheckIn.objects.bulk_create(
        CheckIn(
            pair_id=pk,
            profile_id=incoming,
            sent_at=timezone.now(),
            answer=CheckIn.Answer.NEW_BUDDY,
            answered_at=timezone.now(),
        )
        for pk, incoming in pairs
    )
    event = Event.objects.create(
        title="Welcome party", starts_at=timezone.now(), place="Lille", capacity=750
    )
    EventRegistration.objects.bulk_create(
        EventRegistration(
            event=event,
            profile_id=pk,
            status=EventRegistration.Status.REGISTERED,
            created_at=timezone.now(),
        )
        for pk in Profile.objects.order_by("pk").values_list("pk", flat=True)[:750]
    )
    second = MatchRun.objects.create()
    services.execute_match_run(second.pk)
    with connection.cursor() as cursor:  # the statistics autovacuum keeps in production
        cursor.execute("ANALYZE")
    coordinator = User.objects.get(is_coordinator=True)
    return MatchRun.objects.get(pk=first.pk), MatchRun.objects.get(pk=second.pk), event, coordinator


def main() -> None:
    new_bench_section()
    with schema_context("bench"):
        started = time.perf_counter()
        first, second, event, coordinator = build()
        print(
            f"built the section, confirmed {Pair.objects.count():,} pairs and ran again in "
            f"{time.perf_counter() - started:.1f} s (not timed below)"
        )
        client = Client(HTTP_HOST="bench.localhost")
        client.force_login(coordinator)
        client.cookies["django_language"] = "en"
        pages = {
            # the reference: a small page, for how loaded the machine is during this run
            "reference: settings": "/coordinator/matching/settings/",
            "run review": f"/coordinator/matching/runs/{first.pk}/",
            "pairs": "/coordinator/matching/pairs/",
            "waiting students": "/coordinator/matching/waiting/",
            "new pair": "/coordinator/matching/pairs/new/",
            "new pair search": "/coordinator/matching/pairs/new/find/incoming/?incoming_q=N1",
            "follow-up": "/coordinator/follow-up/",
            "event, 750 attendees": f"/coordinator/events/{event.pk}/",
            "student list": "/coordinator/students/",
            "dashboard": "/coordinator/",
        }
        print(f"{'page':24} {'p50 ms':>7} {'p95 ms':>7} {'KB':>6} {'queries':>7}  goal")
        worst = 0.0
        for name, path in pages.items():
            p50, p95, size, queries = measure(client, path)
            worst = max(worst, p95)
            ok = "ok" if p95 < GOAL_MS and size < GOAL_KB * 1024 else "OVER"
            print(f"{name:24} {p50:7.0f} {p95:7.0f} {size / 1024:6.0f} {queries:7d}  {ok}")
        print(f"worst p95 / {GOAL_MS} ms goal: {worst / GOAL_MS:.2f}")

        proposals = second.proposals.filter(status=Proposal.Status.PROPOSED).count()
        decide = f"/coordinator/matching/runs/{second.pk}/decide/"
        started = time.perf_counter()
        response = client.post(decide, {"action": "confirm_all", "sure": "yes"})
        answered = time.perf_counter() - started
        assert response.status_code == 302, response.status_code
        confirmation = Confirmation.objects.get(run=second)
        started = time.perf_counter()
        services.execute_confirmation(confirmation.pk)  # as the worker runs the task
        task = time.perf_counter() - started
        confirmation.refresh_from_db()
        made = Pair.objects.filter(proposal__run=second)
        emails = OutboxMessage.objects.filter(key__startswith="pair-confirmed:")
        expected = {
            f"pair-confirmed:{p}:{s}"
            for p, i, b in made.values_list("pk", "incoming_id", "buddy_id")
            for s in (i, b)
        }
        missing = expected - set(emails.values_list("key", flat=True))
        print(
            f'"confirm all" on {proposals:,} proposals: request {answered * 1000:.0f} ms '
            f"(goal < 1,000), task {task:.1f} s (goal < 60), {confirmation.confirmed:,} pairs, "
            f"{len(expected):,} emails in the outbox, {len(missing)} missing"
        )
        assert confirmation.status == "done" and not missing


if __name__ == "__main__":
    main()
