"""Sentry events carry the tenant. A real sentry_sdk client, with a transport that
keeps the envelopes it would have sent instead of sending them."""

import pytest
import sentry_sdk
from django.test import Client, override_settings
from sentry_sdk.transport import Transport

from ops.observability import sentry
from tests.ops.observability import sample_tasks
from tests.tenancy import host

pytestmark = pytest.mark.django_db


class KeepingTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def events(self):
        return [item.payload.json for envelope in self.envelopes for item in envelope.items if item.type == "event"]


@pytest.fixture
def sentry_events():
    transport = KeepingTransport()
    sentry.init(
        dsn="https://public@sentry.example.test/1", environment="test", traces_sample_rate=0.0, transport=transport
    )
    yield transport.events
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


@override_settings(ROOT_URLCONF="tests.ops.observability.urls_failing")
def test_an_error_in_a_tenant_view_is_tagged_with_the_tenant(tenant_a, sentry_events):
    response = Client(HTTP_HOST=host(tenant_a), raise_request_exception=False).get("/boom/")

    assert response.status_code == 500
    [event] = sentry_events()
    assert event["exception"]["values"][-1]["value"] == "this view fails on purpose"
    assert event["tags"]["tenant"] == tenant_a.schema_name
    assert event["tags"]["subdomain"] == tenant_a.subdomain
    assert event["tags"]["request_id"] == response["X-Request-ID"]


def test_an_error_in_a_task_is_tagged_with_the_task_s_tenant(tenant_a, sentry_events):
    sample_tasks.fail.apply(headers={"tenant_schema": tenant_a.schema_name})

    [event] = sentry_events()
    assert event["exception"]["values"][-1]["value"] == "this task fails on purpose"
    assert event["tags"]["tenant"] == tenant_a.schema_name


def test_without_a_dsn_nothing_is_set_up():
    assert not sentry_sdk.get_client().is_active()


def test_performance_spans_of_a_request_carry_its_request_id(tenant_a):
    # sentry-sdk 3 streams spans (it has no transactions); before_send_span tags them.
    transport = KeepingTransport()
    sentry.init(
        dsn="https://public@sentry.example.test/1", environment="test", traces_sample_rate=1.0, transport=transport
    )
    try:
        response = Client(HTTP_HOST=host(tenant_a)).get("/login/")
        sentry_sdk.get_client().flush()
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)

    spans = [
        span
        for envelope in transport.envelopes
        for item in envelope.items
        if item.type == "span"
        for span in item.payload.json["items"]
    ]
    assert spans
    assert {span["attributes"]["request_id"]["value"] for span in spans} == {response["X-Request-ID"]}
    assert all(span["attributes"]["tenant"]["value"] for span in spans)
