"""Log records carry the schema they were written in, and nothing personal: no email address,
no signed link or token, no query string value (a coordinator's search holds names and
addresses). `redact` is the one rule, for log lines (RedactingFilter) and Sentry events
(config.sentry)."""

import logging
import re

from django.db import connection

from config.request_id import current_request_id

REDACTED = "…"
EMAIL_REDACTED = "<email>"

# The paths whose next segment(s) are a token: config.urls_tenant with core.urls (verify/),
# matching.followup.urls (checkin/, survey/), core.events.urls (unsubscribe/),
# core.exchange.urls (invitation/), core.accounts.urls (set-password/<uidb64>/<token>/).
_ONE_TOKEN = re.compile(
    r"(?<![\w-])((?:verify|checkin|survey|unsubscribe|invitation)/)(?!resend(?:/|$))"
    r"[^/\s?#\"'<>]+"
)
_SET_PASSWORD = re.compile(
    r"(?<![\w-])(set-password/)(?!done(?:/|$))[^/\s?#\"'<>]+(/[^/\s?#\"'<>]+)?"
)
# A query string after a path (…/students/?search=ana): its keys are kept, never its values.
_QUERY = re.compile(r"(?<=[\w/%.~-])\?([^\s\"'<>#]+)")
_QUERY_KEY = re.compile(r"[A-Za-z_][\w.\[\]-]{0,39}")
# An address, also percent-encoded (ana%40example.org in a path or a query).
_EMAIL = re.compile(r"[\w.+%-]+(?:@|%40)(?:[\w-]+\.)+[A-Za-z]{2,}", re.IGNORECASE)
# Anything that looks like a signed token (django.core.signing: base64 payload, ':', time,
# ':', signature) or a password-reset token (base36 time, '-', hex hash): a long run of
# URL-safe characters, one of whose ':'-separated parts is 16+ characters with 3 letters and
# 3 digits at least. Celery's task ids (UUIDs) are kept; words, dotted names and numbers
# (a duration: 0.3520605499998055s) have too few of one or the other.
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_:-]{20,}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_LETTERS = re.compile(r"(?:[^A-Za-z]*[A-Za-z]){3}")
_DIGITS = re.compile(r"(?:[^0-9]*[0-9]){3}")


def redact(text: str) -> str:
    """`text` without email addresses, tokens, signed links' tokens and query values."""
    if not text:
        return text
    text = _QUERY.sub(lambda match: "?" + redact_query(match.group(1)), text)
    text = _EMAIL.sub(EMAIL_REDACTED, text)
    text = _ONE_TOKEN.sub(rf"\1{REDACTED}", text)
    text = _SET_PASSWORD.sub(
        lambda match: match.group(1) + REDACTED + (f"/{REDACTED}" if match.group(2) else ""),
        text,
    )
    return _TOKEN_LIKE.sub(_token_like, text)


def redact_query(query: str) -> str:
    """A query string's keys, without their values: `search=ana&page=2` → `search=…&page=…`."""
    parts = []
    for part in re.split(r"[&;]", query):
        if not part:
            continue
        key, has_value, _value = part.partition("=")
        key = key if _QUERY_KEY.fullmatch(key) else REDACTED
        parts.append(f"{key}={REDACTED}" if has_value else key)
    return "&".join(parts)


def _token_like(match: re.Match) -> str:
    run = match.group(0)
    if _UUID.fullmatch(run):
        return run
    for part in run.split(":"):
        if len(part) >= 16 and _LETTERS.match(part) and _DIGITS.match(part):
            return REDACTED
    return run


class SchemaFilter(logging.Filter):
    """Stamp every log record with the schema (section) it was written in, and the id of the
    request or task it was written for (config.request_id)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.schema = getattr(connection, "schema_name", "-")
        record.request_id = current_request_id()
        return True


class RedactingFilter(logging.Filter):
    """Put on every handler: the record's message is formatted, redacted and put back as
    `msg` with no `args`, so that every handler after this one sees the redacted text too;
    the traceback is kept, its text (the exception's message) redacted as well."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a wrong format string: its parts, redacted
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record._redacted = True
        return True


def redact_handlers(logger: logging.Logger, **_) -> None:
    """Add the RedactingFilter to every handler of `logger` that lacks one."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def _connect_celery_logging() -> None:
    """A Celery worker replaces the root logger's handlers with its own and gives the task
    logger one: they get the filter too, once Celery has set them up."""
    try:
        from celery.signals import after_setup_logger, after_setup_task_logger
    except ImportError:  # pragma: no cover - Celery is a dependency
        return
    after_setup_logger.connect(redact_handlers, weak=False)
    after_setup_task_logger.connect(redact_handlers, weak=False)


_connect_celery_logging()
