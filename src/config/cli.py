"""`manage.py` for every install: the checkout's manage.py and the installed `buddysystem`
command (the image has no checkout) both run `main`."""

import contextlib
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from config.embedded_db import ensure_database_url
    from config.sentry import init_sentry_from_settings

    # Every command gets the embedded PostgreSQL when DATABASE_URL is not set. runserver's
    # autoreloader child inherits DATABASE_URL and joins the server its parent started.
    ensure_database_url()
    # Without valid settings Django reports it, or runs the commands that need none (help).
    with contextlib.suppress(ImproperlyConfigured):
        init_sentry_from_settings()
    execute_from_command_line(sys.argv)
