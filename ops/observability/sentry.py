"""Error reporting to Sentry, started by config/settings.py when SENTRY_DSN is set.

Every event is tagged with the tenant (`tenant`: its schema, which is readable
and never reused; `subdomain` when known) and the request id, so an error a
customer reports with the X-Request-ID we returned can be found. The tags are
added in `before_send` (errors) and `before_send_span` (performance spans, which
sentry-sdk 3 sends instead of 2.x's transactions) from ops/observability/context.py,
which already knows the tenant at every entry point (requests, tasks, commands);
nothing in tenants/ has to call into Sentry.
"""

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from ops.observability import context


def init(*, dsn, environment, traces_sample_rate, transport=None):
    """`transport` is for tests: a sentry_sdk Transport that keeps envelopes."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        # send_default_pii is left unset (newer SDKs deprecate it for data_collection):
        # unset means no user e-mail addresses, IPs or cookies in events.
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=tag_event,
        before_send_span=tag_span,
        transport=transport,
    )


def tag_event(event, hint):
    for key, value in _tags().items():
        event.setdefault("tags", {}).setdefault(key, value)
    return event


def tag_span(span, hint):
    for key, value in _tags().items():
        span.setdefault("attributes", {}).setdefault(key, value)
    return span


def _tags():
    schema, subdomain = context.current_tenant()
    request_id = context.current_request_id()
    tags = {"tenant": schema, "subdomain": subdomain, "request_id": request_id}
    return {key: value for key, value in tags.items() if value}
