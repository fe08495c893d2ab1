"""The request side of observability: a request id on every request, latency by
view, and one access log line per request.

`RequestObservabilityMiddleware` sits right before tenant routing in MIDDLEWARE,
after /healthz and /metrics, so that probes and scrapes neither fill the latency
histogram nor the log.
"""

import logging
import re
import time
import uuid

from ops.observability import context, metrics

log = logging.getLogger("crm.request")

HEADER = "X-Request-ID"
# An id from the ingress or the client is kept only when it is short and plain:
# it goes into every log line and back out in a response header.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Requests that never reached a URL pattern: routing's 404 for an unknown host,
# or a path no pattern matches. One label for all, so scanners cannot add series.
UNRESOLVED = "unresolved"


class RequestObservabilityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _request_id_from(request)
        request.request_id = request_id
        # Unbound on request_finished (ops/observability/receivers.py).
        context.begin_request(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        # Until the response object exists: a streamed export's body is not in it.
        seconds = time.perf_counter() - started
        tenant = getattr(request, "tenant", None)
        if tenant is not None:
            context.note_request_tenant(tenant.schema_name, getattr(tenant, "subdomain", None))
        view = _view_name(request)
        metrics.observe_request(view=view, method=request.method, status=response.status_code, seconds=seconds)
        response[HEADER] = request_id
        _log_access(request, response, view, seconds)
        return response


def _request_id_from(request):
    offered = request.headers.get(HEADER, "")
    if _ACCEPTABLE_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def _view_name(request):
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNRESOLVED
    # The URL name ("contacts-list", "account"), else the view's dotted path.
    return match.view_name


def _log_access(request, response, view, seconds):
    log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "method": request.method,
            # The path only: query strings carry search terms and e-mail addresses.
            "path": request.path,
            "view": view,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
        },
    )
