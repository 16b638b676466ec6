import os

from django.conf import settings
from django.core.asgi import get_asgi_application

from config.embedded_db import ensure_database_url
from config.sentry import init_sentry

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
ensure_database_url()  # the embedded PostgreSQL when DATABASE_URL is not set
if settings.SENTRY_DSN:
    init_sentry(settings.SENTRY_DSN, environment=settings.SENTRY_ENVIRONMENT)
application = get_asgi_application()
