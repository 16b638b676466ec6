from django.contrib.sessions.backends.db import SessionStore

from config.celery import app


@app.task
def clear_expired_sessions() -> None:
    """Delete the expired sessions of the section this task runs in."""
    SessionStore.clear_expired()
