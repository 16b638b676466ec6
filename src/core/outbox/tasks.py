from dataclasses import asdict

from config.celery import app
from core.outbox import services


@app.task
def relay() -> dict[str, int]:
    """Send what is due in this section's outbox (kicked on commit, and every minute)."""
    return asdict(services.relay())


@app.task
def purge_finished() -> int:
    """Periodic, in every section: forget the rows finished more than a year ago."""
    return services.purge_finished()
