"""How long onboarding one more section takes, and how long a migration of all sections takes.

Run by `make bench`. With 1, 50 and 200 sections present it onboards sections through the
onboarding service twice over: with the schema built by plain `migrate_schemas` and by
replaying the recorded migration SQL, and prints the ratio. Then it applies one new
migration to all 200 sections with django-tenants' sequential and parallel executors.
Everything runs on a database of its own (buddysystem_bench), dropped at the start.
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parents[1]
sys.path[:0] = [str(PROJECT_DIR / "src"), str(BENCH_DIR), str(BENCH_DIR.parent)]
os.environ.update(
    DJANGO_SETTINGS_MODULE="bench_settings",
    BENCH_MIGRATIONS="v1",
    EMAIL_URL="dummymail://",
    LOG_LEVEL="WARNING",
)

import django  # noqa: E402

from config.embedded_db import ensure_database_url  # noqa: E402

os.environ.setdefault("SECRET_KEY", "benchmarks-only-not-a-secret")
ensure_database_url()  # the embedded PostgreSQL when DATABASE_URL is not set
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from config.celery import app  # noqa: E402
from scratch_database import recreate_database  # noqa: E402
from tenants.models import SchemaRecording, Section  # noqa: E402
from tenants.onboarding import SectionDetails, onboard_section  # noqa: E402
from tenants.schema_builder import migrate_section_schema, migration_state, replay_schema  # noqa: E402

# As in production, onboarding only enqueues the invitation; no worker sends it here.
app.conf.task_always_eager = False
app.conf.broker_url = "memory://"

LEVELS = (1, 50, 200)
REPLAYS_PER_LEVEL = 5
PLAIN_MIGRATES_PER_LEVEL = 3


counter = 0


def onboard(schema_method: str) -> float:
    global counter
    counter += 1
    details = SectionDetails(
        slug=f"bench{counter}",
        name=f"Section {counter}",
        city="Lille",
        country="FR",
        coordinator_email=f"coordinator{counter}@example.org",
    )
    started = time.perf_counter()
    onboard_section(details, schema_method=schema_method)
    return time.perf_counter() - started


def build_schema_only(schema_method: str) -> float:
    """The schema step alone, in a transaction that is rolled back."""
    global counter
    counter += 1
    sql = SchemaRecording.objects.get(migration_state=migration_state()).sql
    with transaction.atomic():
        started = time.perf_counter()
        if schema_method == "migrate":
            migrate_section_schema(f"bench{counter}")
        else:
            replay_schema(f"bench{counter}", sql)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    connection.set_schema_to_public()
    return elapsed


def fill_to(count: int) -> None:
    while Section.objects.count() < count:
        onboard("replay")


def migrate_schemas_with_new_migration(*arguments: str) -> float:
    """Run migrate_schemas on every section in a fresh process, with benchapp 0002 visible."""
    env = {
        **os.environ,
        "BENCH_MIGRATIONS": "v2",
        "PYTHONPATH": f"{PROJECT_DIR / 'src'}:{BENCH_DIR}",
    }
    command = [
        sys.executable,
        "-m",
        "django",
        "migrate_schemas",
        "--tenant",
        "--noinput",
        "-v",
        "0",
    ]
    started = time.perf_counter()
    subprocess.run([*command, *arguments], env=env, check=True, cwd=PROJECT_DIR)
    return time.perf_counter() - started


def main() -> None:
    recreate_database()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    onboard("replay")  # the first section migrates and records; later ones replay
    onboard("replay")  # warms up the replay path before anything is measured

    print(f"Onboarding one more section, median ms ({os.cpu_count()} cores)")
    print("  whole service: section row, schema, domain, coordinator, invitation enqueued")
    print("  schema only:   the schema step alone, rolled back")
    print(
        f"{'sections present':>16} | {'whole service: plain':>20} {'replay':>7} {'ratio':>6}"
        f" | {'schema only: plain':>18} {'replay':>7} {'ratio':>6}"
    )
    for level in LEVELS:
        fill_to(level)
        plain = statistics.median(onboard("migrate") for _ in range(PLAIN_MIGRATES_PER_LEVEL))
        replay = statistics.median(onboard("replay") for _ in range(REPLAYS_PER_LEVEL))
        plain_schema = statistics.median(
            build_schema_only("migrate") for _ in range(PLAIN_MIGRATES_PER_LEVEL)
        )
        replay_schema_ = statistics.median(
            build_schema_only("replay") for _ in range(REPLAYS_PER_LEVEL)
        )
        print(
            f"{level:>16} | {plain * 1000:>20.0f} {replay * 1000:>7.0f} {plain / replay:>5.1f}x"
            f" | {plain_schema * 1000:>18.0f} {replay_schema_ * 1000:>7.0f}"
            f" {plain_schema / replay_schema_:>5.1f}x"
        )

    sections = Section.objects.count()
    sequential = migrate_schemas_with_new_migration("--executor=standard")
    migrate_schemas_with_new_migration("--executor=multiprocessing", "benchapp", "0001")  # undo
    parallel = migrate_schemas_with_new_migration("--executor=multiprocessing")
    print(f"\nOne new migration applied to all {sections} sections (whole command, s)")
    print(f"  sequential (standard executor):      {sequential:6.1f}")
    print(f"  parallel (multiprocessing executor): {parallel:6.1f}")
    print(f"  ratio: {sequential / parallel:.2f}x with {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
