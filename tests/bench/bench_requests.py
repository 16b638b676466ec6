"""The requests page of a local buddy ("buddies choose") in a section with 5,000 waiting
incoming students.

Run by `make bench`. In a database of its own (buddysystem_bench): tests/bench/
bench_match_run.py's section with 5,000 incoming students, none paired, every request field
shown. A buddy who speaks English sees most of them as requests: the page ranks all of them
with the engine (`rank_for_buddy`) and shows 20. Each page is requested 50 times: p50, p95 and
the queries, against the buddy's account page measured in the same run (the reference: how
loaded the machine is). Goal: p95 < 300 ms; the queries are the same on the first and the
last page (tests/matching/test_requests.py asserts they do not grow with the data).
"""

import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("STATIC_MANIFEST", "false")  # pages render without collectstatic
os.environ.setdefault("BENCH_INCOMING", "5000")
os.environ.setdefault("BENCH_BUDDIES", "300")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_match_run import build_section, new_bench_section
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from page_timing import measure

from core.accounts.models import User
from core.models import Profile
from matching.choosing.selectors import requests_for
from matching.models import MatchingPolicy, RequestField

GOAL_MS = 300


def build() -> Profile:
    build_section(random.Random(2026))  # noqa: S311 - reproducible bench data
    User.objects.update(first_name="Student", last_name="Benchmark")
    Profile.objects.filter(role="incoming").update(note_for_buddy="Hello! I love cooking.")
    policy = MatchingPolicy.load()
    policy.matching_mode = MatchingPolicy.MatchingMode.BUDDIES_CHOOSE
    policy.request_fields = list(RequestField.values)
    policy.save()
    with connection.cursor() as cursor:  # the statistics autovacuum keeps in production
        cursor.execute("ANALYZE")
    return (
        Profile.objects.filter(role="buddy", preferred_buddy_gender="any", languages__language="en")
        .order_by("pk")
        .first()
    )


def main() -> None:
    new_bench_section()
    with schema_context("bench"):
        started = time.perf_counter()
        buddy = build()
        requests = requests_for(buddy)
        assert requests.state == "open", requests.state
        count, pages = requests.page.paginator.count, requests.page.paginator.num_pages
        waiting = Profile.objects.filter(role="incoming").count()
        print(
            f"built the section in {time.perf_counter() - started:.1f} s (not timed below): "
            f"{waiting:,} waiting incoming students, {count:,} of them requests for the buddy"
        )
        client = Client(HTTP_HOST="bench.localhost")
        client.force_login(buddy.user)
        client.cookies["django_language"] = "en"
        pages_to_measure = {
            "reference: account": "/account/",
            "requests, page 1": "/requests/",
            f"requests, page {pages}": f"/requests/?page={pages}",
            "API requests, page 1": "/api/v1/requests/",
        }
        print(f"{'page':24} {'p50 ms':>7} {'p95 ms':>7} {'KB':>6} {'queries':>7}  goal")
        found = {}
        for name, path in pages_to_measure.items():
            p50, p95, size, queries = measure(client, path)
            found[name] = (p95, queries)
            ok = "" if name.startswith("reference") else ("ok" if p95 < GOAL_MS else "OVER")
            print(f"{name:24} {p50:7.0f} {p95:7.0f} {size / 1024:6.0f} {queries:7d}  {ok}")
        reference = found["reference: account"][0]
        worst = max(p95 for name, (p95, _q) in found.items() if not name.startswith("reference"))
        print(f"worst p95 / {GOAL_MS} ms goal: {worst / GOAL_MS:.2f}")
        print(f"worst p95 / the account page's p95 (same run): {worst / reference:.1f}")
        first, last = found["requests, page 1"][1], found[f"requests, page {pages}"][1]
        print(f"queries, first and last page: {first} and {last}")
        assert first == last, "the requests page's queries depend on the page"


if __name__ == "__main__":
    main()
