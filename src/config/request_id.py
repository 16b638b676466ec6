"""A request id on every log line, Sentry event and answer (`X-Request-ID`), so that the lines
of one request (or one Celery task) can be found together across pods.

The id of a request is the one the reverse proxy sent (ingress-nginx's `$req_id`) when there
is a trusted proxy in front (TRUSTED_PROXIES > 0) and it looks like an id; otherwise a new
one. A client cannot put text of its choosing in our logs through it: only 8-64 letters,
digits, `-`, `_` and `.` are kept. A Celery task's id is its request id.
"""

import contextlib
import re
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
_VALID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_current: ContextVar[str] = ContextVar("request_id", default="-")


def current_request_id() -> str:
    """The id of the request or task this code runs for, `-` outside of both."""
    return _current.get()


def bind(request_id: str):
    """Make `request_id` current; returns the token `unbind` takes."""
    return _current.set(request_id)


def unbind(token) -> None:
    _current.reset(token)


def request_id_of(request: HttpRequest) -> str:
    forwarded = request.headers.get(HEADER, "")
    if settings.TRUSTED_PROXIES > 0 and _VALID.fullmatch(forwarded):
        return forwarded
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Binds the request's id until the answer is closed (`request_finished`), not only while
    the middleware runs: Django logs a 4xx or 5xx answer after every middleware returned."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id_of(request)
        bind(request.request_id)
        response = self.get_response(request)
        response[HEADER] = request.request_id
        return response


def _forget(**_) -> None:
    _current.set("-")


request_finished.connect(_forget, weak=False)


def _connect_celery() -> None:
    """In a worker, the task's id is the request id of every line it logs."""
    from celery.signals import task_postrun, task_prerun

    tokens: dict[str, object] = {}

    def started(task_id: str | None = None, **_) -> None:
        if task_id:
            tokens[task_id] = bind(task_id)

    def finished(task_id: str | None = None, **_) -> None:
        token = tokens.pop(task_id, None) if task_id else None
        if token is not None:
            # ValueError: set in another context (an eager task inside a request)
            with contextlib.suppress(ValueError):
                unbind(token)

    task_prerun.connect(started, weak=False)
    task_postrun.connect(finished, weak=False)


_connect_celery()
