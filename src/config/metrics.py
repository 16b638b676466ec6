"""Prometheus metrics: requests and their latency by view, Celery tasks' durations and failures,
match runs' durations, and the outbox backlog of every section.

prometheus-client, not django-prometheus: the latter swaps the database engine for its own
wrapper (ours is django-tenants' backend) and labels requests by raw path when a view has no
name, and a path here can hold an emailed link's token. Labels are view and task names only.

Who can read them: nobody without METRICS_TOKEN. Web pods answer `/metrics` (on any host,
before host routing, like the probes) to `Authorization: Bearer <METRICS_TOKEN>` only, and
404 when no token is configured; a Celery worker serves them on METRICS_PORT with the same
token. The chart's Ingress and Services do not route that port, and the scrape config holds
the token.

Several processes a pod (gunicorn workers, Celery's prefork children): with
PROMETHEUS_MULTIPROC_DIR set (the image sets it) every process writes its samples there and a
scrape adds them up (config.gunicorn clears the folder at start and drops dead workers).

The outbox backlog is read from the database at scrape time, in one query over every section's
outbox (the rows are purged once sent, so each table is small), and kept for
BACKLOG_CACHE_SECONDS so that several pods and scrapers cost one query per window each. Only
sections with a pending or failed row get a series of their own; the totals are always there.
"""

import hmac
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

# Every process of a pod writes its samples there, commands too: it must exist before the
# first metric below is created.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

PATH = "/metrics"
MATCH_RUN_TASK = "matching.tasks.run_matching"
BACKLOG_CACHE_SECONDS = 30.0

REQUESTS = Counter(
    "buddysystem_http_requests",
    "Requests answered, by method, view name and status code.",
    ["method", "view", "status"],
)
LATENCY = Histogram(
    "buddysystem_http_request_duration_seconds",
    "Time to answer a request, by view name.",
    ["view"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TASKS = Counter(
    "buddysystem_celery_tasks", "Celery tasks finished, by name and state.", ["task", "state"]
)
TASK_FAILURES = Counter(
    "buddysystem_celery_task_failures", "Celery tasks that raised, by name.", ["task"]
)
TASK_DURATION = Histogram(
    "buddysystem_celery_task_duration_seconds",
    "Time a Celery task ran, by name.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300),
)
MATCH_RUN_DURATION = Histogram(
    "buddysystem_match_run_duration_seconds",
    "Time a match run's task took: load, score, solve, write the proposals.",
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)


def view_label(request: HttpRequest) -> str:
    """The route's name (`coordinator:students`), never the path: paths hold tokens."""
    if request.path in ("/healthz", "/readyz"):
        return "probe"
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or "unnamed"
    if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unresolved"


def is_authorised(authorization: str) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return False
    return hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode())


class MetricsMiddleware:
    """Answers `/metrics` to the scraper; counts and times every other request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == PATH and settings.METRICS_TOKEN:
            if not is_authorised(request.headers.get("Authorization", "")):
                return HttpResponse("metrics need the scrape token\n", status=401)
            return HttpResponse(exposition(database=True), content_type=CONTENT_TYPE_LATEST)
        started = time.perf_counter()
        response = self.get_response(request)
        view = view_label(request)
        LATENCY.labels(view).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, view, str(response.status_code)).inc()
        return response


def exposition(database: bool) -> bytes:
    """The text a scrape reads: this pod's processes' samples, and with `database` the
    outbox backlog."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Everything())
    if database:
        registry.register(OutboxBacklog())
    return generate_latest(registry)


class _Everything:
    """The process's own registry, inside a registry of the scrape's."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class OutboxBacklog:
    """Pending, due and failed outbox rows, and how late the oldest due one is, per section."""

    _lock = threading.Lock()
    _cached: tuple[float, list[tuple[str, int, int, int, float]]] | None = None

    def collect(self) -> Iterable[Metric]:
        rows = self.rows()
        pending = GaugeMetricFamily(
            "buddysystem_outbox_pending", "Outbox rows not sent yet.", labels=["schema"]
        )
        due = GaugeMetricFamily(
            "buddysystem_outbox_due", "Pending outbox rows whose time has come.", labels=["schema"]
        )
        failed = GaugeMetricFamily(
            "buddysystem_outbox_failed",
            "Outbox rows given up (shown to coordinators).",
            labels=["schema"],
        )
        late = GaugeMetricFamily(
            "buddysystem_outbox_oldest_due_seconds",
            "How long the oldest due row has waited: the relay is stuck when this grows.",
            labels=["schema"],
        )
        for schema, n_pending, n_due, n_failed, oldest in rows:
            if n_pending or n_failed:
                pending.add_metric([schema], n_pending)
                due.add_metric([schema], n_due)
                failed.add_metric([schema], n_failed)
                late.add_metric([schema], oldest)
        yield pending
        yield due
        yield failed
        yield late
        yield GaugeMetricFamily(
            "buddysystem_outbox_pending_total",
            "Outbox rows not sent yet, every section.",
            value=sum(row[1] for row in rows),
        )
        yield GaugeMetricFamily(
            "buddysystem_outbox_failed_total",
            "Outbox rows given up, every section.",
            value=sum(row[3] for row in rows),
        )
        yield GaugeMetricFamily(
            "buddysystem_outbox_oldest_due_seconds_max",
            "The longest wait of a due outbox row, every section.",
            value=max((row[4] for row in rows), default=0.0),
        )

    @classmethod
    def rows(cls) -> list[tuple[str, int, int, int, float]]:
        with cls._lock:
            now = time.monotonic()
            if cls._cached is None or now - cls._cached[0] > BACKLOG_CACHE_SECONDS:
                cls._cached = (now, read_backlog())
            return cls._cached[1]

    @classmethod
    def forget(cls) -> None:
        with cls._lock:
            cls._cached = None


def read_backlog() -> list[tuple[str, int, int, int, float]]:
    """(schema, pending, due, failed, seconds the oldest due row waited) of every section and
    of the public schema, in one round trip."""
    from django.db import connection
    from django_tenants.utils import get_public_schema_name, get_tenant_model

    # The public schema has an outbox of its own too (the network's emails).
    public = get_public_schema_name()
    sections = get_tenant_model().objects.exclude(schema_name=public)
    schemas = [public, *sections.values_list("schema_name", flat=True)]
    quote = connection.ops.quote_name
    parts = [
        "SELECT %s, count(*) FILTER (WHERE status = 'pending'),"  # noqa: S608 - names quoted
        " count(*) FILTER (WHERE status = 'pending' AND next_attempt_at <= clock_timestamp()),"
        " count(*) FILTER (WHERE status = 'failed'),"
        " coalesce(extract(epoch FROM clock_timestamp() - min(next_attempt_at)"
        " FILTER (WHERE status = 'pending' AND next_attempt_at <= clock_timestamp())), 0)"
        f" FROM {quote(schema)}.outbox_outboxmessage"
        for schema in schemas
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), schemas)
        return [(s, int(p), int(d), int(f), float(o)) for s, p, d, f, o in cursor.fetchall()]


# --- Celery -------------------------------------------------------------------------------


def _connect_celery() -> None:
    from celery.signals import (
        task_failure,
        task_postrun,
        task_prerun,
        worker_process_shutdown,
        worker_ready,
    )

    started: dict[str, float] = {}

    def on_prerun(task_id: str | None = None, **_) -> None:
        if task_id:
            started[task_id] = time.perf_counter()

    def on_postrun(task_id: str | None = None, task=None, state: str | None = None, **_) -> None:
        began = started.pop(task_id, None) if task_id else None
        name = getattr(task, "name", "unknown")
        TASKS.labels(name, state or "UNKNOWN").inc()
        if began is not None:
            seconds = time.perf_counter() - began
            TASK_DURATION.labels(name).observe(seconds)
            if name == MATCH_RUN_TASK:
                MATCH_RUN_DURATION.observe(seconds)

    def on_failure(sender=None, **_) -> None:
        TASK_FAILURES.labels(getattr(sender, "name", "unknown")).inc()

    def on_ready(**_) -> None:
        if settings.METRICS_TOKEN and settings.METRICS_PORT:
            serve(settings.METRICS_PORT)

    def on_child_exit(pid: int | None = None, **_) -> None:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(pid or os.getpid())

    task_prerun.connect(on_prerun, weak=False)
    task_postrun.connect(on_postrun, weak=False)
    task_failure.connect(on_failure, weak=False)
    worker_ready.connect(on_ready, weak=False)
    worker_process_shutdown.connect(on_child_exit, weak=False)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:
        pass  # a scrape every few seconds is not worth a log line


def metrics_app(environ: dict, start_response) -> list[bytes]:
    """The worker's metrics endpoint (WSGI): the token, then this pod's samples."""
    if environ.get("PATH_INFO") != PATH:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]
    if not is_authorised(environ.get("HTTP_AUTHORIZATION", "")):
        start_response("401 Unauthorized", [("Content-Type", "text/plain")])
        return [b"metrics need the scrape token\n"]
    start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
    return [exposition(database=False)]


def serve(port: int, host: str = "0.0.0.0") -> WSGIServer:  # noqa: S104 - scraped from the pod IP
    """Serve `metrics_app` on `port` from a daemon thread; returns the server."""
    server = make_server(host, port, metrics_app, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


_connect_celery()
