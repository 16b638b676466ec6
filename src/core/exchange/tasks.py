from config.celery import app
from core.exchange import services


@app.task
def purge_import_data() -> dict[str, int]:
    """Periodic, in every section: forget expired previews and expired invitations."""
    return services.purge_import_data()
