import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


def init_sentry(dsn: str, environment: str) -> None:
    """Report errors to Sentry without any personal data of students or coordinators."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        # Local variables of a failing frame can hold a student's profile.
        include_local_variables=False,
        traces_sample_rate=0.0,
    )


def init_sentry_from_settings() -> None:
    """At a process's start (web, command, worker): Sentry when SENTRY_DSN is set."""
    from django.conf import settings

    if settings.SENTRY_DSN:
        init_sentry(settings.SENTRY_DSN, environment=settings.SENTRY_ENVIRONMENT)
