import logging

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

log = logging.getLogger(__name__)

_PATHS = ("/healthz", "/healthz/")


class HealthCheckMiddleware:
    """`GET /healthz` on any host, before tenant routing: 200 when the database
    answers, 503 when it does not. The cache is reported but does not fail it,
    since the CRM still serves without one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path not in _PATHS:
            return self.get_response(request)
        report = {"status": "ok", "database": _check_database(), "cache": _check_cache()}
        if report["database"] != "ok":
            report["status"] = "unavailable"
        return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def _check_database():
    try:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # any failure means "not healthy", reported, never raised
        log.warning("health: database check failed: %s", exc)
        connection.close()
        return "unavailable"


def _check_cache():
    try:
        cache.set("healthz", "1", timeout=5)
        return "ok" if cache.get("healthz") == "1" else "unavailable"
    except Exception as exc:
        log.warning("health: cache check failed: %s", exc)
        return "unavailable"
