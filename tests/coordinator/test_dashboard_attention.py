"""The dashboard lists pairs that ended while a student still waits for a new one."""

from core import services as core_services
from factories import PairFactory, ProfileFactory
from matching import pairs
from matching.models import Pair


def ended_pairs_on(coordinator) -> list[Pair]:
    return list(coordinator.get("/coordinator/").context["ended_pairs"])


def test_a_pair_ended_by_a_buddy_leaving_shows_until_the_student_has_a_new_buddy(
    coordinator, coordinator_user, lille, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        incoming = ProfileFactory(user__first_name="Ines")
        pair = PairFactory(incoming=incoming, buddy=ProfileFactory(buddy=True))
        with django_capture_on_commit_callbacks(execute=True):
            core_services.withdraw(pair.buddy)
    assert ended_pairs_on(coordinator) == [pair]
    page = coordinator.get("/coordinator/").content.decode()
    assert "Ines" in page and "A student left the programme" in page
    with in_section(lille):
        pairs.make_pair(coordinator_user, incoming, ProfileFactory(buddy=True))
    assert ended_pairs_on(coordinator) == []


def test_pairs_ended_by_the_stay_are_not_listed(coordinator, lille, in_section):
    with in_section(lille):
        pair = PairFactory()
        pairs.end_pair(None, pair, Pair.EndReason.STAY_ENDED)
        by_hand = PairFactory()
        pairs.end_pair(None, by_hand, Pair.EndReason.COORDINATOR, note="they never met")
    assert ended_pairs_on(coordinator) == [by_hand]
