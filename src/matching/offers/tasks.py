"""The offers' periodic task; each run is in one section's schema."""

from config.celery import app
from matching.offers import services


@app.task
def expire_offers() -> int:
    """Periodic, in every section: offers unanswered past the section's days expire."""
    return services.expire_offers()
