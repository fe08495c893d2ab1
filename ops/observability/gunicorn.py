"""gunicorn settings for the web process: `gunicorn -c python:ops.observability.gunicorn ...`
(Procfile). Command-line options still win over these.

- Multiprocess metrics: with PROMETHEUS_MULTIPROC_DIR set, each worker writes its
  metric values to files there and /metrics adds them up. The directory is
  emptied when gunicorn starts (old files would add the last run's counts), and
  a worker that exits is marked dead.
- gunicorn's own log lines (boot, worker timeouts) in the same format as the
  app's, per LOG_FORMAT, so the web process writes one JSON object per line.

Read before Django is set up, so this looks at the environment itself rather
than at config/settings.py (where LOG_FORMAT has the same default).
"""

import os
from pathlib import Path

_FORMATTERS = {"json": "ops.observability.logs.JsonFormatter", "text": "ops.observability.logs.TextFormatter"}

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"app": {"()": _FORMATTERS.get(os.environ.get("LOG_FORMAT", "json"), _FORMATTERS["json"])}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "app", "stream": "ext://sys.stderr"}},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # The app writes its own access line with tenant and request id (ops/observability/requests.py).
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        # Only prometheus_client's own files: the variable might name a shared folder.
        for stale in path.glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    # Everything loaded so far (Django, the URLconf, every app module) lives as long
    # as the worker. Moving it out of the collector's reach keeps the full (oldest
    # generation) collections that a request sometimes triggers from walking it:
    # bench/lists.py measured the API list's p95 at ~30 ms without this and ~25 ms
    # with it, the median unchanged.
    import gc

    gc.freeze()
