"""How long a page takes: the benchmarks' one way of timing a page (not a benchmark itself:
`make bench` runs the bench_*.py files)."""

import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

REQUESTS = 50


def measure(client: Client, path: str) -> tuple[float, float, int, int]:
    """p50 and p95 (ms) over REQUESTS requests, the page's size and its queries."""
    client.get(path)  # the caches a first request fills
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    p95 = statistics.quantiles(times, n=20)[-1]
    return statistics.median(times), p95, len(response.content), len(queries)
