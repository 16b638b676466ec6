from dataclasses import asdict

from config.celery import app
from network.statistics import snapshots


@app.task
def take_snapshots() -> dict:
    """Periodic (beat), in the public schema: every section's statistics snapshots."""
    return asdict(snapshots.take_snapshots())
