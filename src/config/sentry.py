import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from config.log import REDACTED, redact, redact_query
from config.request_id import current_request_id

# Request parts that hold what a person typed or carries: never sent.
_DROPPED_REQUEST_PARTS = ("data", "cookies", "env")
_QUERY_KEYS = ("query_string", "http.query", "query")
# What Sentry itself puts in an event (its ids look like tokens): left as they are.
_KEPT = {"event_id", "trace_id", "span_id", "parent_span_id", "release", "sdk", "modules"}


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
        # A form's body holds names, addresses and birth dates.
        max_request_body_size="never",
        before_send=before_send,
        before_breadcrumb=before_breadcrumb,
    )


def before_send(event: dict, hint: dict | None = None) -> dict:
    """The event with every string redacted as log lines are (config.log.redact): the
    message, the exception's text, the request's URL, headers (a Referer holds the link
    followed) and query string (its keys only), the breadcrumbs; no request body."""
    request = event.get("request")
    if isinstance(request, dict):
        for part in _DROPPED_REQUEST_PARTS:
            request.pop(part, None)
    event = _redacted(event)
    # The request id finds the event's log lines (config.request_id). Added after the
    # redaction, which would take it for a token: it is ours, or a proxy's checked id.
    if current_request_id() != "-":
        event.setdefault("tags", {})["request_id"] = current_request_id()
    return event


def before_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    return _redacted(crumb)


def _redacted(value, key: str | None = None):
    if isinstance(value, str):
        if key in _QUERY_KEYS:
            return redact(redact_query(value))
        return redact(value)
    if isinstance(value, dict):
        return {
            k: v if k in _KEPT else _redacted(v, k if isinstance(k, str) else None)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        if key in _QUERY_KEYS:  # [[key, value], ...]
            return [[_redacted(pair[0]), REDACTED] for pair in value if len(pair) == 2]
        return [_redacted(item) for item in value]
    return value


def init_sentry_from_settings() -> None:
    """At a process's start (web, command, worker): Sentry when SENTRY_DSN is set."""
    from django.conf import settings

    if settings.SENTRY_DSN:
        init_sentry(settings.SENTRY_DSN, environment=settings.SENTRY_ENVIRONMENT)
