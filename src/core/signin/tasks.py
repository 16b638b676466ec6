from config.celery import app
from core.signin import services


@app.task
def purge_pending_signins() -> int:
    """Periodic, in every section: forget the sign-ins nobody finished."""
    return services.purge_pending()
