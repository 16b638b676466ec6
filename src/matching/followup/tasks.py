"""The pair follow-up's periodic task; each run is in one section's schema."""

from dataclasses import asdict

from config.celery import app
from core.accounts.tasks import EMAIL_RETRY
from matching.followup import services


@app.task(**EMAIL_RETRY)
def send_follow_ups() -> dict[str, int]:
    """Periodic, in every section: send the check-ins, reminders and surveys now due.

    Each email is sent once: a retry or a second run resends nothing already sent.
    """
    return asdict(services.send_due_follow_ups())
