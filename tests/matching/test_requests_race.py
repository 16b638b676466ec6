"""Taking requests at the same moment, from two threads on their own connections, with
committed data: two buddies taking one request make one pair; one buddy taking two requests at
once stays within the pick limit."""

import pytest
from django.db import connection

from choosing_helpers import buddy, incoming_student, set_policy
from matching.choosing.services import CannotTake, take_request
from matching.models import MatchingPolicy, Pair
from threads import at_once


@pytest.fixture
def committed_policy(committed_lille, in_section, django_db_blocker):
    """Commits allowed; the section's policy as it was, after a test that changes it."""
    with django_db_blocker.unblock():
        with in_section(committed_lille):
            before = list(MatchingPolicy.objects.values())
        yield
        connection.set_schema_to_public()
        with in_section(committed_lille):
            MatchingPolicy.objects.all().delete()
            for row in before:
                MatchingPolicy.objects.create(**row)
        connection.set_schema_to_public()


def taking(section, in_section, user, incoming_id: int):
    """A call that takes the request in its own thread: the pair, or why not."""

    def call():
        with in_section(section):
            try:
                return take_request(user, incoming_id)
            except CannotTake as refused:
                return refused.reason

    return call


def test_two_buddies_taking_one_request_at_once_make_one_pair(
    committed_lille, committed_policy, in_section
):
    with in_section(committed_lille):
        set_policy()
        student = incoming_student(user__email="contested@example.org")
        buddies = [buddy(user__email=f"taker{k}@example.org") for k in range(2)]

    results = at_once(
        [taking(committed_lille, in_section, taker.user, student.pk) for taker in buddies]
    )
    assert results.count(CannotTake.TAKEN) == 1
    winner = next(result for result in results if result != CannotTake.TAKEN).buddy_id
    with in_section(committed_lille):
        assert list(Pair.objects.filter(incoming=student).values_list("buddy", flat=True)) == [
            winner
        ]


def test_one_buddy_taking_two_requests_at_once_stays_within_the_limit(
    committed_lille, committed_policy, in_section
):
    with in_section(committed_lille):
        set_policy(pick_limit=1)
        students = [incoming_student(user__email=f"wanted{k}@example.org") for k in range(2)]
        me = buddy(capacity=3, user__email="eager@example.org")

    results = at_once(
        [taking(committed_lille, in_section, me.user, student.pk) for student in students]
    )
    assert results.count(CannotTake.LIMIT) == 1
    with in_section(committed_lille):
        assert Pair.objects.filter(buddy=me).count() == 1
