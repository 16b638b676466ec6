"""Tasks of matching: each loads ids and calls one service, in the schema it was sent from."""

from config.celery import app
from matching import pairs, services


@app.task
def run_matching(run_id: int) -> None:
    services.execute_match_run(run_id)


@app.task
def confirm(confirmation_id: int) -> None:
    services.execute_confirmation(confirmation_id)


@app.task
def release_stale_runs() -> int:
    """Periodic, in every section: runs that never started or lost their worker, and
    confirmations whose worker died."""
    return services.release_stale_runs() + services.resume_stale_confirmations()


@app.task
def end_finished_stays() -> int:
    """Periodic, in every section: end the pairs whose incoming student's stay is over."""
    return pairs.end_finished_stays()
