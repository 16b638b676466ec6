"""Tasks of matching; each runs in the section's schema it was sent from."""

from django.db import transaction
from django.utils import translation

from config.celery import app
from core.accounts.tasks import EMAIL_RETRY
from core.models import Profile
from core.notifications import send_templated_email
from matching.explanations import common_ground
from matching.models import MatchRun, Notification, Pair, Proposal
from tenants.selectors import current_section


@app.task(acks_late=True)
def run_matching(run_id: int) -> None:
    from matching import services  # services enqueue this module's tasks: import at call time

    services.execute_match_run(run_id)


@app.task(**EMAIL_RETRY)
def send_pair_emails(pair_id: int) -> None:
    """Tell both students of a confirmed pair who the other is; each email goes out once.

    The email is claimed (a unique row) and sent in one transaction: a failed send releases
    the claim for the retry, a retry or second task finds it taken.
    """
    pair = Pair.objects.select_related("incoming__user", "buddy__user").filter(pk=pair_id).first()
    if pair is None or pair.ended_at or pair.incoming is None or pair.buddy is None:
        return
    section = current_section()
    for student, other in ((pair.incoming, pair.buddy), (pair.buddy, pair.incoming)):
        with translation.override(student.language):
            shared = common_ground(pair.incoming, pair.buddy)
        with transaction.atomic():
            _, claimed = Notification.objects.get_or_create(
                kind=Notification.Kind.PAIR_CONFIRMED, profile=student, pair=pair
            )
            if not claimed:
                continue
            send_templated_email(
                to=student.user.email,
                template="matching/email/pair_confirmed",
                context={"student": student, "other": other, "shared": shared},
                language=student.language,
                section=section,
            )


@app.task(**EMAIL_RETRY)
def send_waiting_list_emails(run_id: int) -> None:
    """Tell each student a run left unmatched that they are on the waiting list, once ever."""
    run = MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.SUCCEEDED).first()
    if run is None:
        return
    proposed = Proposal.objects.filter(run=run).values("incoming_id")
    unmatched = (
        Profile.objects.filter(pk__in=[int(i) for i in run.snapshot.get("incoming", [])])
        .exclude(pk__in=proposed)
        .select_related("user")
    )
    section = current_section()
    for student in unmatched:
        with transaction.atomic():
            _, claimed = Notification.objects.get_or_create(
                kind=Notification.Kind.WAITING_LIST, profile=student, pair=None
            )
            if claimed:
                send_templated_email(
                    to=student.user.email,
                    template="matching/email/waiting_list",
                    context={"student": student},
                    language=student.language,
                    section=section,
                )
