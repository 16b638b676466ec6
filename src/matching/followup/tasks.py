"""The pair follow-up's periodic task; each run is in one section's schema."""

from dataclasses import asdict

from config.celery import app
from matching.followup import services


@app.task
def send_follow_ups() -> dict[str, int]:
    """Periodic, in every section: write the check-ins, reminders and surveys now due."""
    return asdict(services.send_due_follow_ups())
