#!/usr/bin/env python
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from config.embedded_db import ensure_database_url
    from config.sentry import init_sentry_from_settings

    # Every command gets the embedded PostgreSQL when DATABASE_URL is not set. runserver's
    # autoreloader child inherits DATABASE_URL and joins the server its parent started.
    ensure_database_url()
    try:
        init_sentry_from_settings()
    except ImproperlyConfigured:
        pass  # Django reports it, or runs the commands that need no settings (help, version)
    execute_from_command_line(sys.argv)
