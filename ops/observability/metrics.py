"""The Prometheus metrics this process records as it works.

Labels are bounded on purpose: a view's URL name (never the raw path, which
carries ids), the method, the status, the task name. No tenant label here: every
tenant times every view would be series by the million; the per-tenant metric,
backup age, is read at scrape time (ops/observability/collectors.py).

Under gunicorn with several workers, set PROMETHEUS_MULTIPROC_DIR: prometheus_client
then keeps these values in files there and /metrics adds up every worker's.
"""

from prometheus_client import Counter, Histogram

REQUEST_LATENCY = Histogram(
    "crm_http_request_duration_seconds",
    "Time from the request reaching the app to its response, by view (URL name), method and status.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

TASK_DURATION = Histogram(
    "crm_celery_task_duration_seconds",
    "Time a Celery task's body ran, by task name and final state (SUCCESS, FAILURE, RETRY, ...).",
    ["task", "state"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600),
)

CONNECTIONS_RECYCLED = Counter(
    "crm_db_connections_recycled_total",
    "Database connections closed because they had touched more tenant schemas than "
    "DATABASE_MAX_SCHEMAS_PER_CONNECTION (ops/observability/connections.py).",
)

_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def observe_request(*, view, method, status, seconds):
    method = method if method in _METHODS else "other"
    REQUEST_LATENCY.labels(view=view, method=method, status=str(status)).observe(seconds)


def observe_task(*, task, state, seconds):
    TASK_DURATION.labels(task=task, state=state or "UNKNOWN").observe(seconds)
