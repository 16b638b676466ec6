import os

from django.core.asgi import get_asgi_application

from config.embedded_db import ensure_database_url
from config.sentry import init_sentry_from_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
ensure_database_url()  # the embedded PostgreSQL when DATABASE_URL is not set
init_sentry_from_settings()
application = get_asgi_application()
