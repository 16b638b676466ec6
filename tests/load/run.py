"""`make load`: the platform under gunicorn (2 workers) driven by a bounded, headless locust run.

On a database of its own (DATABASE_URL, default buddysystem_load on 127.0.0.1, dropped and
created at the start) it migrates, onboards 10 sections (load0..load9) with the onboarding
service, sets each coordinator's password and fills the places of study and hobbies. Then it
starts gunicorn on 127.0.0.1:8099 (DEBUG off, eager Celery, dummy email) and runs
tests/load/locustfile.py: 200 students register and edit their profiles across the sections
while the coordinators browse their lists and start one match run each. gunicorn is stopped
whatever happens. Afterwards it checks that every registration is in its section's schema and
in no other, and that each has its verification email in the outbox; it prints throughput,
p50/p95/p99 and errors, and exits non-zero on any error or failed check.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

LOAD_DIR = Path(__file__).resolve().parent
PROJECT_DIR = LOAD_DIR.parents[1]
BIN = Path(sys.executable).parent
sys.path[:0] = [str(PROJECT_DIR / "src"), str(PROJECT_DIR / "tests")]

SECTIONS = 10
STUDENTS = 200
# Concurrent locust users: the 10 coordinators and 8 students at a time (LOAD_STUDENTS). Each
# student hashes their password twice (registering, logging in: ~30 ms of CPU each with
# Argon2id), and locust itself runs on the same cores.
STUDENTS_AT_ONCE = int(os.environ.get("LOAD_STUDENTS", "8"))
USERS = SECTIONS + STUDENTS_AT_ONCE
RUN_TIME = "600s"  # the outer bound; the scenario quits once every student is done
# The requests that check or hash a password: their cost is the hasher's, by design.
PASSWORD_REQUESTS = ("POST register", "POST student login", "POST coordinator login")
PORT = 8099
P95_GOAL_MS = 300

SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DATABASE_URL": os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/buddysystem_load"
    ),
    "SECRET_KEY": os.environ.get("SECRET_KEY") or "load-test-only-not-a-secret-" + "x" * 30,
    "DEBUG": "false",
    "BASE_DOMAIN": "localhost",
    "SITE_SCHEME": "http",
    "EMAIL_URL": "dummymail://",
    "LOG_LEVEL": "WARNING",
    # No collectstatic here: pages link to the plain names (as in the test suite).
    "STATIC_MANIFEST": "false",
}
os.environ.update(SERVER_ENV)
os.environ.pop("REDIS_URL", None)  # eager Celery, local-memory cache: no Redis in this run
os.environ.pop("TRUSTED_PROXIES", None)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from core.models import Hobby, PlaceOfStudy  # noqa: E402
from core.outbox.models import OutboxMessage  # noqa: E402
from scratch_database import recreate_database  # noqa: E402
from tenants.onboarding import SectionDetails, onboard_section  # noqa: E402

PLACES = ("Université de Lille", "IMT Nord Europe", "Sciences Po Lille")
HOBBIES = ("Cooking", "Hiking", "Music", "Football", "Cinema", "Board games")


def set_up_sections() -> list[dict]:
    recreate_database()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    sections = []
    for number in range(SECTIONS):
        slug = f"load{number}"
        email = f"coordinator@{slug}.example.org"
        onboard_section(
            SectionDetails(
                slug=slug,
                name=f"Load section {number}",
                city="Lille",
                country="FR",
                coordinator_email=email,
            )
        )
        password = f"coordinator-{slug}-password-2026"
        with schema_context(slug):
            coordinator = get_user_model().objects.get(email=email)
            coordinator.set_password(password)
            coordinator.save()
            places = [PlaceOfStudy.objects.create(name=name).pk for name in PLACES]
            hobbies = [Hobby.objects.create(name=name).pk for name in HOBBIES]
        sections.append(
            {
                "slug": slug,
                "host": f"{slug}.localhost",
                "coordinator_email": email,
                "coordinator_password": password,
                "places": places,
                "hobbies": hobbies,
            }
        )
    connection.close()
    return sections


def start_gunicorn(log: Path) -> subprocess.Popen:
    env = {**os.environ, "TRUSTED_PROXIES": "1", "PYTHONPATH": str(PROJECT_DIR / "src")}
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--workers=2",
            f"--bind=127.0.0.1:{PORT}",
            "--log-level=warning",
        ],
        cwd=PROJECT_DIR / "src",
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.3)
    stop(server)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def run_locust(work: Path, config: Path, registered: Path) -> int:
    env = {**os.environ, "LOAD_CONFIG": str(config), "LOAD_REGISTERED": str(registered)}
    return subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(LOAD_DIR / "locustfile.py"),
            "--headless",
            f"--users={USERS}",
            "--spawn-rate=10",
            f"--run-time={RUN_TIME}",
            f"--csv={work / 'load'}",
            "--only-summary",
            "--loglevel=WARNING",
        ],
        env=env,
        cwd=PROJECT_DIR,
    ).returncode


def check_sections(registrations: list[dict]) -> list[str]:
    """Each registration in its section only, with its verification email in the outbox."""
    problems = []
    if len(registrations) != STUDENTS:
        problems.append(f"{len(registrations)} registrations made, {STUDENTS} expected")
    by_section: dict[str, set[str]] = {f"load{n}": set() for n in range(SECTIONS)}
    for registration in registrations:
        by_section[registration["section"]].add(registration["email"])
    User = get_user_model()
    print("\nSection check (accounts in the schema / registered by locust / outbox rows):")
    for slug, emails in by_section.items():
        with schema_context(slug):
            students = User.objects.filter(is_coordinator=False, profile__isnull=False)
            found = dict(students.values_list("email", "pk"))
            verifications = set(
                OutboxMessage.objects.filter(key__startswith="verify-email:").values_list(
                    "key", flat=True
                )
            )
            others = set().union(*(e for s, e in by_section.items() if s != slug))
            strays = others & set(User.objects.values_list("email", flat=True))
        missing_outbox = [e for e, pk in found.items() if f"verify-email:{pk}" not in verifications]
        print(
            f"  {slug}: {len(found):>3} / {len(emails):>3} / {len(found) - len(missing_outbox):>3}"
        )
        if set(found) != emails:
            problems.append(
                f"{slug}: {len(emails - set(found))} registrations missing, "
                f"{len(set(found) - emails)} accounts nobody registered"
            )
        if strays:
            problems.append(f"{slug}: {len(strays)} accounts registered in another section")
        if missing_outbox:
            problems.append(f"{slug}: {len(missing_outbox)} registrations without their email")
    return problems


def percentiles(times: list[float]) -> str:
    times = sorted(times)
    if not times:
        return "no requests"
    at = {q: times[min(len(times) - 1, int(q / 100 * len(times)))] for q in (50, 95, 99)}
    return f"p50 {at[50]:.0f}, p95 {at[95]:.0f}, p99 {at[99]:.0f}, max {times[-1]:.0f}"


def report(work: Path, timings: list) -> tuple[int, float]:
    """Print the figures (locust's CSV, and our own percentiles from every request's time);
    return the errors and the p95 of all requests."""
    with open(work / "load_stats.csv", encoding="utf-8") as stats:
        rows = list(csv.DictReader(stats))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    errors = int(total["Failure Count"])
    print(
        f"\nLoad: {STUDENTS} students, {SECTIONS} sections, gunicorn 2 workers, "
        f"{os.cpu_count()} cores"
    )
    print(f"  requests: {total['Request Count']}, errors: {errors}")
    print(f"  throughput: {float(total['Requests/s']):.1f} requests/s")
    every = [ms for _name, ms, _failed in timings]
    pages = [ms for name, ms, _failed in timings if not name.startswith(PASSWORD_REQUESTS)]
    print(f"  latency ms, all requests:            {percentiles(every)}")
    print(f"  latency ms, without password checks: {percentiles(pages)}")
    print(f"\n  {'request':<30} {'count':>6} {'errors':>6} {'p50':>6} {'p95':>6} {'p99':>6}")
    for row in rows:
        if row["Name"] != "Aggregated":
            print(
                f"  {row['Type'] + ' ' + row['Name']:<30} {row['Request Count']:>6} "
                f"{row['Failure Count']:>6} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
            )
    failures = work / "load_failures.csv"
    if errors and failures.exists():
        print("\nErrors:")
        print(failures.read_text(encoding="utf-8"))
    every.sort()
    return errors, every[min(len(every) - 1, int(0.95 * len(every)))] if every else 0.0


def main() -> int:
    print(f"Setting up {SECTIONS} sections on {connection.settings_dict['NAME']}...")
    sections = set_up_sections()
    with tempfile.TemporaryDirectory(prefix="buddysystem-load-") as tmp:
        work = Path(tmp)
        config = work / "config.json"
        config.write_text(json.dumps({"sections": sections, "students": STUDENTS}))
        registered = work / "registered.json"
        log = work / "gunicorn.log"
        server = start_gunicorn(log)
        try:
            locust_status = run_locust(work, config, registered)
        finally:
            stop(server)
        server_log = log.read_text(encoding="utf-8").strip()
        if server_log:
            print("\ngunicorn said:\n" + server_log[-5000:])
        results = json.loads(registered.read_text()) if registered.exists() else {}
        registrations = results.get("registered", [])
        errors, p95 = report(work, results.get("timings", []))
    problems = check_sections(registrations)
    for problem in problems:
        print(f"  FAIL {problem}")
    if not problems:
        print("  every registration is in its section only, each with its verification email")
    verdict = "under" if p95 < P95_GOAL_MS else "OVER"
    print(f"\np95 {p95:.0f} ms: {verdict} the {P95_GOAL_MS} ms goal")
    return 1 if errors or problems or locust_status else 0


if __name__ == "__main__":
    sys.exit(main())
