"""`GET /metrics` on any host, in Prometheus' text format, and the Celery worker's
metrics port.

Answered before tenant routing, like /healthz (ops/health.py), so Prometheus can
scrape a pod by its IP. A scrape must always send `Authorization: Bearer
<METRICS_TOKEN>`: the series name every tenant's subdomain and schema, and the
Ingress routes /metrics like any other path. Without METRICS_TOKEN every scrape is
refused, and outside DEBUG the system check ops.E001 stops every management
command (the upgrade Job and the pods' wait for it included), so a deployment
without a token does not start (ops/observability/checks.py).
"""

import hmac
import os

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess, start_http_server
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from ops.observability.collectors import BackupAgeCollector, SparePoolCollector

PATHS = ("/metrics", "/metrics/")


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path not in PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return JsonResponse({"detail": "Method not allowed."}, status=405, headers={"Allow": "GET, HEAD"})
        if not _authorized(request):
            return JsonResponse(
                {"detail": "A valid metrics token is required."},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        # The scrape-time collectors read public tables.
        connection.set_schema_to_public()
        return HttpResponse(generate_latest(web_registry()), content_type=CONTENT_TYPE_LATEST)


def _authorized(request):
    token = settings.METRICS_TOKEN
    if not token:
        return False
    offered = request.headers.get("Authorization", "")
    scheme, _, value = offered.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


def web_registry():
    """What the web app exposes: every process's recorded metrics plus the
    database-backed gauges, which only the web app exposes so that they are not
    scraped twice."""
    registry = _recorded_metrics()
    registry.register(SparePoolCollector())
    registry.register(BackupAgeCollector())
    return registry


def start_worker_metrics_server(port):
    """Serve the worker's recorded metrics (task durations) on `port`: the web
    app's /metrics cannot see another pod's processes. For a prefork pool set
    PROMETHEUS_MULTIPROC_DIR, or the child processes' metrics stay in the children.
    Returns the server (its `shutdown()` stops it) and its daemon thread."""
    return start_http_server(port, registry=_recorded_metrics())


def _recorded_metrics():
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every worker process writes its values to files there; add them all up.
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    return registry


class _ThisProcess:
    """prometheus_client's default registry (our metrics, plus the process and
    Python collectors), as a collector of a registry built per scrape."""

    def collect(self):
        return REGISTRY.collect()
