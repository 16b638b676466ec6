"""Periodic tasks of a section's people; each loads ids and calls one service."""

from django.contrib.sessions.backends.db import SessionStore

from config.celery import app
from core import services


@app.task
def clear_expired_sessions() -> None:
    """Delete the expired sessions of the section this task runs in."""
    SessionStore.clear_expired()


@app.task
def anonymise_departed_profiles() -> int:
    """Periodic, in every section: erase profiles whose stay ended long enough ago."""
    return services.anonymise_departed_profiles()
