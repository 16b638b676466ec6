"""A real prefork Celery worker, as the image runs it (PROMETHEUS_MULTIPROC_DIR, METRICS_TOKEN):
its main process serves on METRICS_PORT the tasks that its child processes ran, and nothing
without the token."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

from celery_worker import PROJECT_DIR, database_url_for_worker, wait_until_ready
from config.celery import app as celery_app

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db]

TOKEN = "worker-scrape-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scrape(port: int, token: str | None = TOKEN) -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers=headers)
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - http://
        return answer.read().decode()


def sample(text: str, series: str) -> float:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_prefork_worker_serves_its_children_s_task_metrics(tmp_path, django_db_setup):
    queue = f"test-metrics-{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_worker(),
        "PYTHONPATH": str(PROJECT_DIR / "src"),
        "CELERY_QUEUE": queue,
        "METRICS_TOKEN": TOKEN,
        "METRICS_PORT": str(port),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=2"]
    command += ["-n", f"{queue}@%h", "-Q", queue, "--without-gossip", "--without-mingle"]
    worker = subprocess.Popen(
        [*command, "-l", "WARNING"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_ready(queue)
        with pytest.raises(urllib.error.HTTPError) as refused:
            scrape(port, token=None)
        assert refused.value.code == 401
        for _ in range(4):
            celery_app.send_task("celery.accumulate", args=(1, 2), queue=queue)
        # IndexError in the task: a failure, counted as such
        celery_app.send_task("celery.accumulate", args=(1,), kwargs={"index": 5}, queue=queue)
        done = 'buddysystem_celery_tasks_total{state="SUCCESS",task="celery.accumulate"}'
        failed = 'buddysystem_celery_task_failures_total{task="celery.accumulate"}'
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            text = scrape(port)
            if sample(text, done) == 4 and sample(text, failed) == 1:
                break
            time.sleep(0.3)
        assert sample(text, done) == 4, text
        assert sample(text, failed) == 1, text
        count = 'buddysystem_celery_task_duration_seconds_count{task="celery.accumulate"}'
        assert sample(text, count) == 5
        # samples come from the pool's processes, not only the one serving them
        assert len(list((tmp_path / "metrics").glob("*.db"))) >= 2
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode()
        print(output)
