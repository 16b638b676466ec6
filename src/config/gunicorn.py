"""gunicorn's settings for the image: `gunicorn -c python:config.gunicorn config.wsgi`.

Everything a deployment tunes comes from the environment: WEB_CONCURRENCY worker processes
(default 2: in a container the CPU count is the node's, not the pod's limit; give each pod
1-2 cores and scale pods), GUNICORN_THREADS per worker, GUNICORN_TIMEOUT seconds before a
stuck worker is killed, PORT. No access log: its lines would hold the tokens of emailed links
and search terms; Django logs 4xx and 5xx answers itself, redacted (config.log).
"""

import os
import shutil
from pathlib import Path

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# A rolling update sends SIGTERM: requests under way get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
keepalive = 5
# A worker is replaced after this many requests (jittered, so not all at once): what a
# long-lived process accumulates is given back.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
accesslog = None
errorlog = "-"
# /dev/shm: the workers' heartbeat files on memory, not on the container's overlay disk.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108
# Trust X-Forwarded-* from any peer: only the ingress reaches the pod (Django counts the
# proxies it trusts for client addresses itself: TRUSTED_PROXIES).
forwarded_allow_ips = "*"

if os.environ.get("LOG_FORMAT") == "json":
    # gunicorn's own lines (workers booted, killed, timed out) as JSON too: one format a
    # collector parses. They hold no request data.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "config.logformat.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False}
        },
    }


def on_starting(server) -> None:
    """A fresh folder for the workers' metrics (config.metrics): samples of processes of a
    previous start would be added to this one's."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
