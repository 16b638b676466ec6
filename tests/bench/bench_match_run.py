"""A whole match run from profiles: 10,000 incoming students and 6,000 buddies in one section.

Run by `make bench`. Builds the section in a database of its own (buddysystem_bench), then
times a run as the Celery task does it: load the waiting students and free places from the
database, score every pair (vectorised), keep the feasible ones, solve exactly and write the
proposals. Goal: the whole run under 10 s on a 2-core machine; the ratio printed is the run's
time over that budget (below 1 is within it). BENCH_INCOMING / BENCH_BUDDIES shrink it.
"""

import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR.parents[1] / "src"), str(BENCH_DIR), str(BENCH_DIR.parent)]
os.environ.update(
    DJANGO_SETTINGS_MODULE="bench_settings", EMAIL_URL="dummymail://", LOG_LEVEL="WARNING"
)

import django  # noqa: E402

from config.embedded_db import ensure_database_url  # noqa: E402

os.environ.setdefault("SECRET_KEY", "benchmarks-only-not-a-secret")
ensure_database_url()  # the embedded PostgreSQL when DATABASE_URL is not set
django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from config.celery import app  # noqa: E402
from core.accounts.models import User  # noqa: E402
from core.models import Hobby, PlaceOfStudy, Profile, ProfileLanguage  # noqa: E402
from matching import selectors, services  # noqa: E402
from matching.engine.match import match  # noqa: E402
from matching.models import MatchRun, Proposal  # noqa: E402
from scratch_database import recreate_database  # noqa: E402
from tenants.onboarding import SectionDetails, onboard_section  # noqa: E402

INCOMING = int(os.environ.get("BENCH_INCOMING", 10_000))
BUDDIES = int(os.environ.get("BENCH_BUDDIES", 6_000))
BUDGET_SECONDS = 10.0
LANGUAGES = ["es", "it", "de", "pl", "pt", "nl", "sv", "el", "tr", "cs", "ja", "zh"]
COUNTRIES = ["ES", "IT", "DE", "PL", "PT", "NL", "SE", "GR", "TR", "CZ", "JP", "CN"]
LEVELS = ["basic", "intermediate", "fluent", "native"]

app.conf.task_always_eager = False  # the run is timed here, not by a task
app.conf.broker_url = "memory://"


def build_section(rng: random.Random) -> None:
    today = timezone.localdate()
    places = [PlaceOfStudy.objects.create(name=f"Campus {n}") for n in range(4)]
    hobbies = [Hobby.objects.create(name=f"Hobby {n}") for n in range(15)]
    users = User.objects.bulk_create(
        User(email=f"student{n}@bench.example.org", password="!") for n in range(INCOMING + BUDDIES)
    )
    profiles = []
    for n, user in enumerate(users):
        incoming = n < INCOMING
        arrival = today + timedelta(days=rng.randint(-10, 120))
        profiles.append(
            Profile(
                user=user,
                role="incoming" if incoming else "buddy",
                birth_date=today - timedelta(days=rng.randint(18 * 365, 30 * 365)),
                gender=rng.choice(["woman", "man", "non_binary", "undisclosed"]),
                nationality=rng.choice(COUNTRIES) if incoming else "FR",
                place_of_study=rng.choice(places),
                faculty=rng.choice(["Law", "Medicine", "Engineering", "Arts", "Economics"]),
                study_level="master",
                preferred_buddy_gender="same" if rng.random() < 0.1 else "any",
                arrival_date=arrival if incoming else None,
                departure_date=arrival + timedelta(days=150) if incoming else None,
                available_from=None if incoming else today - timedelta(days=rng.randint(0, 60)),
                available_until=None if incoming else today + timedelta(days=rng.randint(60, 300)),
                capacity=None if incoming else rng.randint(1, 3),
                email_verified_at=timezone.now(),
                consent_version="1",
                consented_at=timezone.now(),
            )
        )
    profiles = Profile.objects.bulk_create(profiles, batch_size=2000)
    spoken, liked = [], []
    for profile in profiles:
        codes = {"fr"} if profile.role == "buddy" else {rng.choice(LANGUAGES)}
        if rng.random() < 0.8:
            codes.add("en")
        if rng.random() < 0.3:
            codes.add(rng.choice([*LANGUAGES, "fr"]))
        spoken += [
            ProfileLanguage(profile=profile, language=c, level=rng.choice(LEVELS)) for c in codes
        ]
        liked += [
            Profile.hobbies.through(profile=profile, hobby=h)
            for h in rng.sample(hobbies, rng.randint(1, 5))
        ]
    ProfileLanguage.objects.bulk_create(spoken, batch_size=5000)
    Profile.hobbies.through.objects.bulk_create(liked, batch_size=5000)


def new_bench_section() -> None:
    """The benchmark's database anew, with one empty section, "bench"."""
    recreate_database()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    onboard_section(
        SectionDetails(
            slug="bench",
            name="Bench",
            city="Lille",
            country="FR",
            coordinator_email="c@example.org",
        )
    )


def main() -> None:
    new_bench_section()
    with schema_context("bench"):
        started = time.perf_counter()
        build_section(random.Random(2026))  # noqa: S311 - reproducible bench data
        print(
            f"built {INCOMING:,} incoming students and {BUDDIES:,} buddies in "
            f"{time.perf_counter() - started:.1f} s (not timed below)"
        )

        # The phases one by one, as the task runs them...
        started = time.perf_counter()
        data = selectors.matching_input()
        loaded = time.perf_counter()
        policy = data.policy
        result = match(
            data.incoming, data.buddies, policy.to_engine(), reference_date=timezone.localdate()
        )
        solved = time.perf_counter()
        print(f"load profiles:            {loaded - started:6.2f} s")
        print(
            f"score + solve (engine):   {solved - loaded:6.2f} s  "
            f"({result.matched:,} matched, optimal={result.optimal})"
        )

        # ...and the whole run through the service, proposals written in one transaction.
        run = MatchRun.objects.create()
        started = time.perf_counter()
        services.execute_match_run(run.pk)
        whole = time.perf_counter() - started
        run.refresh_from_db()
        assert run.status == "succeeded", run.error
        assert Proposal.objects.filter(run=run).count() == run.matched == result.matched
        print(f"whole run (load, score, solve, write {run.matched:,} proposals): {whole:6.2f} s")
        print(f"ratio to the {BUDGET_SECONDS:.0f} s budget: {whole / BUDGET_SECONDS:.2f}")


if __name__ == "__main__":
    main()
