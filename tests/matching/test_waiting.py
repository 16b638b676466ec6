"""One rule for who is waiting: the dashboard, the student list, the message segments, the
matching input and the student's own status page all agree, and a deactivated, withdrawn,
unverified or departed student is never told "we are looking for a buddy"."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clients import section_client
from core.events import segments
from core.models import Profile
from factories import PairFactory, ProfileFactory
from matching import selectors
from matching.status import programme_status
from matching.waiting import free_places, waiting_incoming

LOOKING = "We are looking for a local buddy for you"


@pytest.fixture
def students(lille, in_section):
    """One incoming student of each kind, and two buddies (one with a pair)."""
    today = timezone.localdate()
    with in_section(lille):
        made = {
            "waiting": ProfileFactory(user__first_name="Wanda"),
            "deactivated": ProfileFactory(
                user__first_name="Dora", status=Profile.Status.DEACTIVATED
            ),
            "withdrawn": ProfileFactory(user__first_name="Wim", status=Profile.Status.WITHDRAWN),
            "unverified": ProfileFactory(user__first_name="Uma", email_verified_at=None),
            "departed": ProfileFactory(
                user__first_name="Dean",
                arrival_date=today - timedelta(days=150),
                departure_date=today - timedelta(days=1),
            ),
            "matched": ProfileFactory(user__first_name="Mats"),
            "free_buddy": ProfileFactory(buddy=True, user__first_name="Fran", capacity=2),
            "busy_buddy": ProfileFactory(buddy=True, user__first_name="Bea", capacity=1),
        }
        PairFactory(incoming=made["matched"], buddy=made["busy_buddy"])
    return made


def test_the_rule_itself(students, lille, in_section):
    with in_section(lille):
        assert set(waiting_incoming()) == {students["waiting"]}
        assert free_places() == 2  # Fran's two; Bea's one place is taken
        assert [int(p.id) for p in selectors.matching_input().incoming] == [students["waiting"].pk]
        unmatched = segments.recipients("unmatched_incoming")
        assert set(unmatched) == {students["waiting"]}


def test_each_students_own_status(students, lille, in_section):
    expected = {
        "waiting": "waiting",
        "deactivated": "deactivated",
        "withdrawn": "withdrawn",
        "unverified": "unverified",
        "departed": "stay_over",
        "matched": "matched",
    }
    with in_section(lille):
        states = {key: programme_status(students[key]).state for key in expected}
    assert states == expected


@pytest.mark.parametrize("key", ["deactivated", "withdrawn", "unverified", "departed", "matched"])
def test_only_the_waiting_student_reads_that_we_look_for_a_buddy(students, lille, key):
    page = section_client(lille, students[key].user).get("/account/").content.decode()
    assert LOOKING not in page
    waiting = section_client(lille, students["waiting"].user).get("/account/")
    assert LOOKING in waiting.content.decode()


def test_the_dashboard_and_the_student_list_count_the_same_students(
    students, coordinator, lille, in_section
):
    dashboard = coordinator.get("/coordinator/")
    incoming = dashboard.context["counts"]["incoming"]
    assert incoming.waiting == 1
    assert dashboard.context["shortage"].waiting == 1
    assert dashboard.context["counts"]["buddy"].waiting == 1  # Fran, without a pair
    listed = coordinator.get("/coordinator/students/?state=waiting&role=incoming")
    names = [profile.user.first_name for profile in listed.context["page"]]
    assert names == ["Wanda"]
    page = coordinator.get("/coordinator/students/?role=incoming").content.decode()
    assert page.count(">Waiting<") == 1
    assert "Stay over" in page  # Dean, departed: neither waiting nor matched
