"""What the API table (tests/api/api_routes.py) needs to call the matching endpoints: the
objects the URLs' ids name, and bodies that need rows of their own. A body is made when the
endpoint is called with success, which is always on Lille's host."""

from django_tenants.utils import schema_context

from factories import MatchRunFactory, PairFactory, ProfileFactory, ProposalFactory
from matching.models import Confirmation, MatchRun, Pair, Proposal, WaitingListEntry


def _run_to_decide(**fields) -> MatchRun:
    run = MatchRunFactory(**fields)
    ProposalFactory(run=run, buddy=ProfileFactory(buddy=True, capacity=1))
    return run


def _run_with_waiting(**fields) -> MatchRun:
    run = MatchRunFactory(**fields)
    WaitingListEntry.objects.create(profile=ProfileFactory(), run=run, reason="combination")
    return run


def _confirmation(**fields) -> Confirmation:
    return Confirmation.objects.create(run=MatchRunFactory(), **fields)


def proposals_of(run_id: int | None) -> dict:
    with schema_context("lille"):
        return {
            "proposals": list(Proposal.objects.filter(run_id=run_id).values_list("pk", flat=True))
        }


def _two_students(_pk: int | None) -> dict:
    with schema_context("lille"):
        return {"incoming": ProfileFactory().pk, "buddy": ProfileFactory(buddy=True).pk}


RUN = {"model": MatchRun, "make": MatchRunFactory}
RUN_TO_DECIDE = {"model": MatchRun, "make": _run_to_decide}
RUN_WITH_WAITING = {"model": MatchRun, "make": _run_with_waiting}
CONFIRMATION = {"model": Confirmation, "make": _confirmation}
PAIR = {"model": Pair, "make": PairFactory}
TWO_STUDENTS = {
    "body": _two_students,
    "invalid": {"incoming": "x"},
    "invalid_fields": ("incoming", "buddy"),
}
