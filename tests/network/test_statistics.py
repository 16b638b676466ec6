"""Statistics: the nightly pass writes per-section, per-semester snapshots whose figures equal
counts made directly in the section schemas; the pages read snapshots only, in a number of
queries that does not grow with the sections; national admins see their countries only."""

import statistics as stats
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from core.events.models import EventRegistration
from core.models import Profile
from factories import EventFactory, PairFactory, ProfileFactory
from matching.followup.models import CheckIn, SurveyResponse
from matching.models import Pair
from matching.waiting import is_waiting
from network.models import SectionSnapshot
from network.statistics.semesters import semester_of
from network.tasks import take_snapshots

from .conftest import client_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12))


def seed(section_slug: str, scale: int) -> None:
    """Students over three semesters, some unverified, withdrawn or erased; pairs, check-ins,
    surveys, events and registrations."""
    with schema_context(section_slug):
        semesters = [
            TODAY - timedelta(days=400),
            TODAY - timedelta(days=180),
            TODAY + timedelta(days=20),
        ]
        nationalities = ["ES", "DE", "IT", "ES", "BR"]
        for index in range(6 * scale):
            arrival = semesters[index % 3] + timedelta(days=index % 10)
            incoming = ProfileFactory(
                arrival_date=arrival,
                departure_date=arrival + timedelta(days=150),
                nationality=nationalities[index % 5],
                email_verified_at=None if index % 4 == 3 else timezone.now(),
                status=Profile.Status.WITHDRAWN if index % 7 == 6 else Profile.Status.ACTIVE,
            )
            buddy = ProfileFactory(
                buddy=True,
                available_from=arrival - timedelta(days=5),
                available_until=arrival + timedelta(days=200),
            )
            Profile.objects.filter(pk=incoming.pk).update(
                created_at=at(arrival - timedelta(days=40))
            )
            if index % 2 == 0 and incoming.email_verified_at:
                pair = PairFactory(
                    incoming=incoming,
                    buddy=buddy,
                    confirmed_at=at(arrival - timedelta(days=index % 9)),
                )
                CheckIn.objects.create(
                    pair=pair, profile=incoming, answer=["met", "not_yet", ""][index % 3]
                )
                SurveyResponse.objects.create(
                    pair=pair, profile=buddy, role="buddy", rating=1 + index % 5
                )
        for index in range(2 * scale):
            event = EventFactory(starts_at=at(semesters[index % 3]))
            for profile in Profile.objects.order_by("pk")[: index + 1]:
                EventRegistration.objects.create(
                    event=event,
                    profile=profile,
                    status=["registered", "waiting", "cancelled"][index % 3],
                    created_at=timezone.now(),
                )
        # an erased incoming student: the pair stays, without them
        erased = Pair.objects.order_by("pk").first()
        Profile.objects.filter(pk=erased.incoming_id).delete()


def direct_counts() -> dict[str, dict]:
    """The same figures counted one row at a time in Python, in the current schema."""

    def semester(day):
        return semester_of(day.year, day.month)

    figures = defaultdict(Counter)
    nationalities = defaultdict(Counter)
    waiting = set(Profile.objects.filter(is_waiting(TODAY)).values_list("pk", flat=True))
    paired = set(Pair.objects.values_list("incoming_id", flat=True))
    for p in Profile.objects.all():
        start = p.arrival_date or p.available_from or timezone.localtime(p.created_at).date()
        f = figures[semester(start)]
        role = "incoming" if p.is_incoming else "buddies"
        f[f"registered_{role}"] += 1
        f[f"verified_{role}"] += p.is_verified
        f[f"waiting_{role}"] += p.pk in waiting
        if p.is_incoming:
            f["matched_incoming"] += p.is_verified and p.pk in paired
            nationalities[semester(start)][str(p.nationality)] += 1
    days = defaultdict(list)
    for pair in Pair.objects.select_related("incoming"):
        key = semester(timezone.localtime(pair.confirmed_at).date())
        figures[key]["pairs_made"] += 1
        if pair.incoming:
            days[key].append((pair.confirmed_at - pair.incoming.created_at).total_seconds() / 86400)
    for checkin in CheckIn.objects.select_related("pair"):
        key = semester(timezone.localtime(checkin.pair.confirmed_at).date())
        figures[key]["checkins_met"] += checkin.answer == "met"
        figures[key]["checkins_not_yet"] += checkin.answer == "not_yet"
    for survey in SurveyResponse.objects.select_related("pair").exclude(rating=None):
        key = semester(timezone.localtime(survey.pair.confirmed_at).date())
        figures[key]["survey_answers"] += 1
        figures[key]["survey_rating_total"] += survey.rating
    from core.events.models import Event

    for event in Event.objects.all():
        key = semester(timezone.localtime(event.starts_at).date())
        figures[key]["events"] += 1
        figures[key]["event_attendance"] += event.registrations.filter(status="registered").count()
    result = {}
    for key, counts in figures.items():
        result[key] = dict(counts)
        result[key]["median_days_to_pair"] = (
            round(stats.median(days[key]), 1) if days[key] else None
        )
        result[key]["nationalities"] = dict(nationalities[key])
    return result


FIELDS = [
    "registered_incoming", "registered_buddies", "verified_incoming", "verified_buddies",
    "waiting_incoming", "waiting_buddies", "matched_incoming", "pairs_made", "checkins_met",
    "checkins_not_yet", "survey_answers", "survey_rating_total", "events", "event_attendance",
]  # fmt: skip


@pytest.fixture
def seeded(lille, paris):
    seed("lille", 2)
    seed("paris", 1)
    take_snapshots.delay()  # the beat task, eager in the tests
    return lille, paris


def test_snapshot_figures_equal_counts_made_in_the_section_schemas(seeded):
    for section in seeded:
        with schema_context(section.schema_name):
            expected = direct_counts()
        snapshots = {s.semester: s for s in SectionSnapshot.objects.filter(section=section)}
        assert set(snapshots) == set(expected), section
        assert len(snapshots) >= 3
        for semester, figures in expected.items():
            snapshot = snapshots[semester]
            for name in FIELDS:
                assert getattr(snapshot, name) == figures.get(name, 0), (section, semester, name)
            assert snapshot.median_days_to_pair == figures["median_days_to_pair"]
            assert snapshot.nationalities == figures["nationalities"]
            assert snapshot.country == "FR"
    assert SectionSnapshot.objects.filter(section=seeded[0], pairs_made__gt=0).exists()


def test_the_pass_is_idempotent(seeded):
    before = list(SectionSnapshot.objects.order_by("pk").values_list("pk", "registered_incoming"))
    take_snapshots.delay()
    assert (
        list(SectionSnapshot.objects.order_by("pk").values_list("pk", "registered_incoming"))
        == before
    )


def test_the_network_page_adds_up_the_snapshots(seeded, eu_client):
    page = eu_client.get("/network/")
    assert page.status_code == 200
    totals = page.context["totals"]
    every = SectionSnapshot.objects.all()
    assert totals.registered_incoming == sum(s.registered_incoming for s in every)
    assert totals.pairs_made == sum(s.pairs_made for s in every)
    matched = sum(s.matched_incoming for s in every)
    verified = sum(s.verified_incoming for s in every)
    assert totals.match_rate == round(100 * matched / verified)
    assert "<svg" in page.content.decode()
    one = eu_client.get(f"/network/?country=FR&section={seeded[1].pk}")
    assert one.context["totals"].registered_incoming == sum(
        s.registered_incoming for s in every.filter(section=seeded[1])
    )
    semester = every.order_by("semester").first().semester
    picked = eu_client.get(f"/network/?semester={semester}").context["totals"]
    assert picked.registered_buddies == sum(
        s.registered_buddies for s in every.filter(semester=semester)
    )
    csv_text = eu_client.get("/network/statistics.csv").content.decode()
    assert csv_text.count("\n") == every.count() + 1
    assert "ESN Lille" in csv_text


def test_a_national_admin_sees_the_figures_of_their_countries_only(seeded, national_de, berlin):
    page = client_of(national_de).get("/network/")
    assert page.context["totals"].registered_incoming == 0
    assert "ESN Lille" not in page.content.decode()
    csv_text = client_of(national_de).get("/network/statistics.csv").content.decode()
    assert "ESN Lille" not in csv_text


def test_bad_filters_are_ignored_not_errors(seeded, eu_client):
    for query in (
        "country=ZZ",
        "section=abc",
        "semester=1999-winter",
        "section=99999999999999999999",
    ):
        assert eu_client.get(f"/network/?{query}").status_code == 200
        assert eu_client.get(f"/network/statistics.csv?{query}").status_code == 200


def test_the_page_reads_snapshots_only_in_the_same_queries_whatever_the_sections(
    seeded, eu_client, berlin
):
    def queries() -> tuple[int, set]:
        with CaptureQueriesContext(connection) as captured:
            assert eu_client.get("/network/").status_code == 200
        return len(captured), {
            q["sql"].split(" FROM ")[1].split()[0] for q in captured if " FROM " in q["sql"]
        }

    before, tables = queries()
    assert not any("core_profile" in table or "matching_pair" in table for table in tables)
    for index in range(5):
        SectionSnapshot.objects.create(
            section=berlin,
            semester=f"{2010 + index}-autumn",
            country="DE",
            taken_at=timezone.now(),
            registered_incoming=3,
            nationalities={"PL": 3},
        )
    after, _tables = queries()
    assert after == before


def test_the_coordinators_see_their_history_on_the_dashboard(seeded, coordinator):
    page = coordinator.get("/coordinator/").content.decode()
    snapshot = SectionSnapshot.objects.filter(section=seeded[0]).order_by("-semester").first()
    assert "Semester by semester" in page
    assert f"<td>{snapshot.registered_incoming}</td>" in page
