"""The network statistics at scale: one snapshot pass over 1,000 sections, and the network
statistics page read from the snapshots.

Run by `make bench`, on a database of its own (buddysystem_bench_stats, dropped first): 1,000
sections in 30 countries onboarded through the onboarding service, each seeded with 60
students (half incoming, over three semesters), pairs, check-ins, surveys, events and
registrations, plus one large section of 5,000 incoming students and 3,000 buddies. It
prints:
- the pass (network.tasks.take_snapshots' service) in total and per section, against a
  reference pass that only switches to each schema and runs one trivial query (the floor
  of visiting 1,000 schemas); the large section alone;
- the network statistics page: p50/p95 over 50 requests and its query count, for a European
  admin (1,000 sections) against a national admin of one country (about 33 sections).
BENCH_SECTIONS=200 builds fewer sections (on a busy machine): the pass is then measured on
those, and the page still reads 1,000 sections' snapshots (copies, on sections without a
schema). Goals (issue 12): the pass under 2 minutes, the page p95 under 100 ms with a query
count that does not grow with the sections.
"""

import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parents[1]
sys.path[:0] = [str(PROJECT_DIR / "src"), str(BENCH_DIR.parent)]
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings",
    EMAIL_URL="dummymail://",
    LOG_LEVEL="WARNING",
    STATIC_MANIFEST="false",  # no collectstatic here: static files from the apps' folders
)
os.environ.pop("REDIS_URL", None)  # eager tasks, local-memory cache: nothing but PostgreSQL

import django  # noqa: E402

from config.embedded_db import ensure_database_url  # noqa: E402

os.environ.setdefault("SECRET_KEY", "benchmarks-only-not-a-secret")
url = ensure_database_url()  # the embedded PostgreSQL when DATABASE_URL is not set
os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/buddysystem_bench_stats"
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from config.celery import app  # noqa: E402
from core.accounts.models import User  # noqa: E402
from core.events.models import Event, EventRegistration  # noqa: E402
from core.models import PlaceOfStudy, Profile  # noqa: E402
from matching.followup.models import CheckIn, SurveyResponse  # noqa: E402
from matching.models import Pair  # noqa: E402
from network.models import AdminCountry, AdminRole, SectionSnapshot  # noqa: E402
from network.statistics.snapshots import snapshot_section, take_snapshots  # noqa: E402
from scratch_database import recreate_database  # noqa: E402
from tenants.models import Section  # noqa: E402
from tenants.onboarding import SectionDetails, onboard_section  # noqa: E402


def _no_commit_wait(sender, connection, **kwargs) -> None:
    # The build commits 1,000 onboardings: not waiting for each flush to disk keeps it short
    # on a busy machine; the figures measured (the pass, the page) read only.
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")


connection_created.connect(_no_commit_wait)

# Onboarding enqueues the coordinators' invitations; no worker sends them here.
app.conf.task_always_eager = False
app.conf.broker_url = "memory://"

SECTIONS = int(os.environ.get("BENCH_SECTIONS", 1000))  # fewer for a quick try
STUDENTS_PER_SECTION = 60
LARGE = (5000, 3000)  # incoming students, buddies
REQUESTS = 50
PAGE_SECTIONS = 1000
COUNTRIES = [
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
    "NO",
    "CH",
    "TR",
]
NATIONALITIES = ("ES", "DE", "IT", "BR", "US", "CN", "IN", "PL", "TR", "MX", "JP", "GB")


def seed(incoming: int, buddies: int, today: date) -> None:
    """Students over three semesters, half of the incoming paired; check-ins, surveys, events."""
    now = timezone.now()
    starts = [today - timedelta(days=400), today - timedelta(days=180), today + timedelta(days=20)]
    place = PlaceOfStudy.objects.create(name="Campus")
    users = User.objects.bulk_create(
        User(email=f"s{index}@example.org", password="!") for index in range(incoming + buddies)
    )
    profiles = []
    for index, user in enumerate(users):
        start = starts[index % 3] + timedelta(days=index % 20)
        common = dict(
            user=user,
            birth_date=date(2003, 1, 1),
            gender="woman",
            place_of_study=place,
            faculty="Law",
            study_level="master",
            email_verified_at=None if index % 5 == 4 else now,
            consent_version="1",
            consented_at=now,
        )
        if index < incoming:
            profiles.append(
                Profile(
                    role="incoming",
                    nationality=NATIONALITIES[index % len(NATIONALITIES)],
                    arrival_date=start,
                    departure_date=start + timedelta(days=150),
                    **common,
                )
            )
        else:
            profiles.append(
                Profile(
                    role="buddy",
                    nationality="FR",
                    available_from=start,
                    available_until=start + timedelta(days=200),
                    capacity=2,
                    **common,
                )
            )
    profiles = Profile.objects.bulk_create(profiles)
    incoming_profiles, buddy_profiles = profiles[:incoming], profiles[incoming:]
    pairs = Pair.objects.bulk_create(
        Pair(
            incoming=student,
            buddy=buddy_profiles[index % len(buddy_profiles)],
            incoming_nationality=student.nationality,
            confirmed_at=now - timedelta(days=index % 300),
        )
        for index, student in enumerate(incoming_profiles[::2])
    )
    CheckIn.objects.bulk_create(
        CheckIn(pair=pair, profile=pair.incoming, answer=("met", "not_yet", "")[index % 3])
        for index, pair in enumerate(pairs)
    )
    SurveyResponse.objects.bulk_create(
        SurveyResponse(pair=pair, profile=pair.buddy, role="buddy", rating=1 + index % 5)
        for index, pair in enumerate(pairs)
    )
    events = Event.objects.bulk_create(
        Event(title="Picnic", starts_at=now - timedelta(days=30 * i), place="Park", capacity=50)
        for i in range(3)
    )
    EventRegistration.objects.bulk_create(
        EventRegistration(event=event, profile=profile, status="registered", created_at=now)
        for event in events
        for profile in profiles[:20]
    )


def build() -> None:
    recreate_database()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    today = timezone.localdate()
    started = time.perf_counter()
    for index in range(SECTIONS + 1):
        slug = "large" if index == SECTIONS else f"s{index}"
        section = onboard_section(
            SectionDetails(
                slug=slug,
                name=f"Section {index}",
                city=f"City {index}",
                country=COUNTRIES[index % len(COUNTRIES)],
                coordinator_email=f"coordinator@{slug}.example.org",
            )
        )
        with transaction.atomic(), schema_context(section.schema_name):
            if slug == "large":
                seed(*LARGE, today)
            else:
                seed(STUDENTS_PER_SECTION // 2, STUDENTS_PER_SECTION // 2, today)
        if index % 100 == 0:
            print(f"  {index} sections onboarded and seeded, {time.perf_counter() - started:.0f} s")


def pad_snapshots(total: int) -> int:
    """With fewer sections built (BENCH_SECTIONS), rows of sections without a schema carrying
    copies of the real sections' snapshots, so that the page still reads `total` sections'
    (pages never read schemas). Returns how many were added."""
    real = list(Section.objects.exclude(schema_name__in=["public", "large"]).order_by("pk"))
    snapshots = list(SectionSnapshot.objects.filter(section__in=real))
    added = 0
    for index in range(len(real), total):
        copy = Section.objects.create(
            schema_name=f"padded{index}",
            name=f"Section {index}",
            city=f"City {index}",
            country=COUNTRIES[index % len(COUNTRIES)],
            contact_email="padded@example.org",
        )
        source = real[index % len(real)]
        SectionSnapshot.objects.bulk_create(
            SectionSnapshot(
                **{
                    **{
                        f.name: getattr(snapshot, f.name)
                        for f in SectionSnapshot._meta.concrete_fields
                    },
                    "id": None,
                    "section": copy,
                    "country": copy.country,
                }
            )
            for snapshot in snapshots
            if snapshot.section_id == source.pk
        )
        added += 1
    return added


def reference_pass() -> float:
    """Visit every schema with one trivial query: the floor of any pass over the sections."""
    started = time.perf_counter()
    for section in Section.objects.exclude(schema_name="public").order_by("pk"):
        with schema_context(section.schema_name), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM core_profile LIMIT 1")
    return time.perf_counter() - started


def page_figures(client: Client) -> tuple[float, float, int]:
    for _ in range(5):
        assert client.get("/network/").status_code == 200  # warm up
    durations = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get("/network/")
        durations.append(time.perf_counter() - started)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/network/")
    durations.sort()
    p95 = durations[int(0.95 * len(durations)) - 1]
    return statistics.median(durations) * 1000, p95 * 1000, len(queries)


def admin_client(email: str, level: str, countries=()) -> Client:
    with schema_context("public"):
        user = User.objects.create_user(email, password="bench-only")
        role = AdminRole.objects.create(user=user, level=level)
        AdminCountry.objects.bulk_create(AdminCountry(role=role, country=c) for c in countries)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def main() -> None:
    print(f"Building {SECTIONS} sections (+1 large) in {len(COUNTRIES)} countries...")
    build()
    students = SECTIONS * STUDENTS_PER_SECTION + sum(LARGE)
    floor = reference_pass()
    report = take_snapshots()
    assert report.failed == 0, report
    large = Section.objects.get(schema_name="large")
    started = time.perf_counter()
    snapshot_section(large)
    large_seconds = time.perf_counter() - started
    sections = report.sections
    print(
        f"\nSnapshot pass over {sections} sections ({students:,} students, {os.cpu_count()} cores)"
    )
    print(f"  whole pass:        {report.seconds:7.1f} s  ({report.snapshots} snapshots written)")
    print(f"  per section:       {1000 * report.seconds / sections:7.1f} ms")
    print(f"  reference pass:    {floor:7.1f} s  (one trivial query per schema)")
    print(f"  ratio:             {report.seconds / floor:7.1f}x the reference")
    print(f"  the large section: {1000 * large_seconds:7.0f} ms ({sum(LARGE):,} students)")

    padded = pad_snapshots(PAGE_SECTIONS)
    if padded:
        print(f"\n(the page reads {PAGE_SECTIONS} sections' snapshots, {padded} of them copies)")
    sections = Section.objects.exclude(schema_name="public").count()
    european = page_figures(admin_client("eu@bench.example.org", AdminRole.Level.EUROPEAN))
    national = page_figures(admin_client("fr@bench.example.org", AdminRole.Level.NATIONAL, ["FR"]))
    fr_sections = Section.objects.filter(country="FR").count()
    print(f"\nNetwork statistics page, {REQUESTS} requests (ms)")
    print(f"{'who':>36} | {'p50':>6} {'p95':>6} | queries")
    for who, (p50, p95, queries) in (
        (f"national admin (FR, {fr_sections} sections)", national),
        (f"European admin ({sections} sections)", european),
    ):
        print(f"{who:>36} | {p50:6.1f} {p95:6.1f} | {queries}")
    print(f"  p95 ratio European / national: {european[1] / national[1]:.2f}x")


if __name__ == "__main__":
    main()
