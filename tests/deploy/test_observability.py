"""What production observes: /metrics behind its token (requests by view, outbox backlog per
section, task and match run durations, failures), a worker's metrics port, JSON log lines with
the schema and the request id and nothing personal."""

import copy
import io
import json
import logging
import re
import urllib.error
import urllib.request

import pytest
from django.test import Client, override_settings
from django.utils.log import configure_logging

from config import metrics
from config.celery import app
from config.request_id import HEADER, bind, unbind
from config.sentry import before_send
from core.outbox.models import OutboxMessage
from matching import tasks as matching_tasks
from matching.models import MatchRun

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-for-the-tests-0123456789"
EMAIL = "zephyrine.quill@example.org"


@app.task(name="tests.deploy.fails")
def fails() -> None:
    raise RuntimeError("boom")


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name{labels}` in an exposition, 0 when absent."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, _, value = line.rpartition(" ")
        found_name, _, found_labels = series.partition("{")
        found = dict(re.findall(r'(\w+)="([^"]*)"', found_labels))
        if found_name == name and all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return 0.0


def scrape(client: Client | None = None) -> str:
    metrics.OutboxBacklog.forget()
    client = client or Client(HTTP_HOST="10.1.2.3")  # a pod IP: answered before host routing
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    return response.content.decode()


@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_need_the_token(public_client):
    assert public_client.get("/metrics").status_code == 401
    assert public_client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert public_client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 401
    assert "buddysystem_http_requests_total" in scrape(public_client)


def test_without_a_token_there_are_no_metrics(public_client, lille_client):
    assert public_client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert lille_client.get("/metrics").status_code == 404


@override_settings(METRICS_TOKEN=TOKEN)
def test_requests_are_counted_by_view_name_never_by_path(lille_client):
    before = scrape()
    assert lille_client.get("/").status_code == 200
    assert lille_client.get(f"/verify/{TOKEN}x/").status_code in (200, 302, 400, 404)
    after = scrape()
    labels = {"method": "GET", "status": "200", "view": "core:home"}
    assert sample(after, "buddysystem_http_requests_total", **labels) == (
        sample(before, "buddysystem_http_requests_total", **labels) + 1
    )
    assert sample(after, "buddysystem_http_request_duration_seconds_count", view="core:home") > 0
    assert TOKEN not in after and "/verify/" not in after


@override_settings(METRICS_TOKEN=TOKEN)
def test_the_outbox_backlog_of_every_section(lille, paris, in_section):
    before = scrape()
    with in_section(lille):
        OutboxMessage.objects.create(key="metrics-test:1", kind="email", name="x")
        OutboxMessage.objects.create(key="metrics-test:2", kind="email", name="x")
    with in_section(paris):
        OutboxMessage.objects.create(key="metrics-test:3", kind="email", name="x", status="failed")
    OutboxMessage.objects.create(key="metrics-test:4", kind="email", name="x")  # public
    after = scrape()
    for name, schema, added in [
        ("buddysystem_outbox_pending", "lille", 2),
        ("buddysystem_outbox_due", "lille", 2),
        ("buddysystem_outbox_failed", "paris", 1),
        ("buddysystem_outbox_pending", "public", 1),
        ("buddysystem_outbox_pending_total", None, 3),
        ("buddysystem_outbox_failed_total", None, 1),
    ]:
        labels = {"schema": schema} if schema else {}
        assert sample(after, name, **labels) == sample(before, name, **labels) + added, name
    assert sample(after, "buddysystem_outbox_oldest_due_seconds", schema="lille") >= 0


@override_settings(METRICS_TOKEN=TOKEN)
def test_tasks_and_match_runs_are_timed_and_failures_counted(lille, in_section):
    before = scrape()
    fails.apply()
    with in_section(lille):
        run = MatchRun.objects.create()
        matching_tasks.run_matching.apply(args=(run.pk,))
        run.refresh_from_db()
    assert run.status == MatchRun.Status.SUCCEEDED, run.status
    after = scrape()
    failures = "buddysystem_celery_task_failures_total"
    assert sample(after, failures, task="tests.deploy.fails") == (
        sample(before, failures, task="tests.deploy.fails") + 1
    )
    finished = sample(after, "buddysystem_celery_tasks_total", task=metrics.MATCH_RUN_TASK)
    assert (
        finished
        == sample(before, "buddysystem_celery_tasks_total", task=metrics.MATCH_RUN_TASK) + 1
    )
    count = "buddysystem_match_run_duration_seconds_count"
    assert sample(after, count) == sample(before, count) + 1


@override_settings(METRICS_TOKEN=TOKEN)
def test_a_worker_serves_its_metrics_on_a_port_of_its_own_with_the_token():
    server = metrics.serve(0, host="127.0.0.1")
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=5)
        assert refused.value.code == 401
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - http://
            text = answer.read().decode()
        assert "buddysystem_celery_task_duration_seconds" in text
        # the database's gauges come from the web pods only: a worker never queries for them
        assert "buddysystem_outbox_pending_total" not in text
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def json_lines(settings):
    """What the console handler writes with LOG_FORMAT=json, as parsed objects."""
    config = copy.deepcopy(settings.LOGGING)
    stream = io.StringIO()
    config["handlers"]["console"].update(formatter="json", stream=stream)
    config["root"]["level"] = "DEBUG"
    configure_logging("logging.config.dictConfig", config)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    configure_logging("logging.config.dictConfig", settings.LOGGING)


def test_json_log_lines_carry_schema_and_request_id_and_nothing_personal(json_lines, lille_client):
    response = lille_client.get(f"/no-such-page/{EMAIL}/?search={EMAIL}&page=2")
    assert response.status_code == 404
    logging.getLogger("tests.deploy").warning("could not reach %s", EMAIL, extra={"who": EMAIL})
    lines = json_lines()
    assert lines, "nothing logged"
    request_id = response[HEADER]
    mine = [line for line in lines if line["request_id"] == request_id]
    assert mine, lines
    not_found = [line for line in mine if line["logger"] == "django.request"]
    assert not_found and not_found[0]["schema"] == "lille"
    assert not_found[0]["level"] == "WARNING"
    text = "\n".join(json.dumps(line) for line in lines)
    assert EMAIL not in text and "zephyrine" not in text
    assert "/no-such-page/<email>/" in not_found[0]["message"]
    assert lines[-1]["message"] == "could not reach <email>"


def test_sentry_events_carry_the_request_id():
    token = bind("0123456789abcdef0123456789abcdef")
    try:
        event = before_send({"message": f"failed for {EMAIL}"})
    finally:
        unbind(token)
    assert event["tags"]["request_id"] == "0123456789abcdef0123456789abcdef"
    assert EMAIL not in json.dumps(event)
    assert "tags" not in before_send({"message": "outside any request"})


def test_a_request_id_from_the_proxy_is_kept_only_when_trusted(lille_client, settings):
    settings.TRUSTED_PROXIES = 0
    assert lille_client.get("/", HTTP_X_REQUEST_ID="abcdef0123456789")[HEADER] != (
        "abcdef0123456789"
    )
    settings.TRUSTED_PROXIES = 1
    assert lille_client.get("/", HTTP_X_REQUEST_ID="abcdef0123456789")[HEADER] == (
        "abcdef0123456789"
    )
    forged = lille_client.get("/", HTTP_X_REQUEST_ID=f"<{EMAIL}>")[HEADER]
    assert EMAIL not in forged and re.fullmatch(r"[0-9a-f]{32}", forged)
