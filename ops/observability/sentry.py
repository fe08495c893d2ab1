"""Error reporting to Sentry, started by config/settings.py when SENTRY_DSN is set.

Every event is tagged with the tenant (`tenant`: its schema, which is readable
and never reused; `subdomain` when known) and the request id, so an error a
customer reports with the X-Request-ID we returned can be found. The tags are
added in `before_send` from ops/observability/context.py, which already knows the
tenant at every entry point (requests, tasks, commands); nothing in tenants/ has
to call into Sentry.
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
        before_send_transaction=tag_event,
        transport=transport,
    )


def tag_event(event, hint):
    schema, subdomain = context.current_tenant()
    tags = event.setdefault("tags", {})
    if schema:
        tags.setdefault("tenant", schema)
    if subdomain:
        tags.setdefault("subdomain", subdomain)
    request_id = context.current_request_id()
    if request_id:
        tags.setdefault("request_id", request_id)
    return event
