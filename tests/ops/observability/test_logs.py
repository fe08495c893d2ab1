"""Log lines are one JSON object each, carrying the tenant and the request id (or
the Celery task); X-Request-ID goes in and comes back out."""

import io
import json
import logging
import os
import re

import pytest
from django.conf import settings
from django.test import Client

from ops.observability import context
from ops.observability.logs import ContextFilter, JsonFormatter, TextFormatter
from tests.ops.observability import sample_tasks
from tests.tenancy import host, in_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """What the configured console handler would write, as parsed lines: the same
    filter and formatter, into a buffer on the root logger."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous_level = root.level
    root.setLevel(logging.INFO)

    def lines():
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)
    root.setLevel(previous_level)


@pytest.mark.skipif("LOG_FORMAT" in os.environ, reason="the default is what is under test")
def test_the_console_handler_writes_json_lines_by_default():
    assert settings.LOG_FORMAT == "json"
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "json"
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["context"]


def test_a_request_writes_one_json_access_line_with_tenant_and_request_id(tenant_a, json_lines):
    response = Client(HTTP_HOST=host(tenant_a)).get("/login/?email=someone@example.test")

    [line] = [line for line in json_lines() if line["logger"] == "crm.request"]
    assert line["tenant"] == tenant_a.schema_name
    assert line["subdomain"] == tenant_a.subdomain
    assert line["request_id"] == response["X-Request-ID"]
    assert line["view"] == "login"
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert line["path"] == "/login/"
    assert "someone@example.test" not in json.dumps(line)
    assert {"timestamp", "level", "message", "duration_ms"} <= set(line)


def test_django_s_own_line_about_a_response_carries_the_request_context(tenant_a, json_lines):
    # Django logs 4xx/5xx after every middleware has returned.
    response = Client(HTTP_HOST=host(tenant_a)).get("/api/v1/contacts/")

    [line] = [line for line in json_lines() if line["logger"] == "django.request"]
    assert line["status_code"] == response.status_code == 401
    assert line["tenant"] == tenant_a.schema_name
    assert line["request_id"] == response["X-Request-ID"]


def test_nothing_after_the_request_carries_its_id(tenant_a, json_lines):
    Client(HTTP_HOST=host(tenant_a)).get("/login/")
    logging.getLogger("crm.anything").info("after the request")

    assert json_lines()[-1]["request_id"] is None
    assert json_lines()[-1]["tenant"] == "public"


def test_a_line_logged_while_serving_a_tenant_names_that_tenant(tenant_a, json_lines):
    token = context.bind_request_id("req-42")
    try:
        with in_tenant(tenant_a):
            logging.getLogger("crm.anything").warning("something happened")
    finally:
        context.unbind_request_id(token)

    [line] = json_lines()
    assert line == {
        **line,
        "tenant": tenant_a.schema_name,
        "subdomain": tenant_a.subdomain,
        "request_id": "req-42",
        "level": "WARNING",
        "message": "something happened",
    }


def test_a_public_line_says_public_and_has_no_request(json_lines):
    logging.getLogger("crm.anything").info("between requests")

    [line] = json_lines()
    assert line["tenant"] == "public"
    assert line["request_id"] is None


def test_a_task_line_carries_the_tenant_and_the_task_id(tenant_a, json_lines):
    result = sample_tasks.note_schema.apply(headers={"tenant_schema": tenant_a.schema_name})

    [line] = [line for line in json_lines() if line["logger"] == sample_tasks.__name__]
    assert line["tenant"] == tenant_a.schema_name
    assert line["task_id"] == result.id
    assert line["task_name"] == "tests.observability.note_schema"


def test_after_the_task_switched_back_to_public_its_lines_still_name_its_tenant(tenant_a):
    # Celery logs a task's outcome after TenantTask has left the tenant's schema.
    tokens = context.bind_task(context.TaskInfo(id="t-1", name="x", schema=tenant_a.schema_name))
    try:
        assert context.current_tenant() == (tenant_a.schema_name, None)
    finally:
        context.unbind_task(tokens)
    assert context.current_tenant() == ("public", None)


def test_a_task_queued_by_a_request_carries_its_request_id(tenant_a, json_lines):
    result = sample_tasks.note_schema.apply(
        headers={"tenant_schema": tenant_a.schema_name, "crm_request_id": "req-from-web"}
    )

    [line] = [line for line in json_lines() if line["logger"] == sample_tasks.__name__]
    assert line["request_id"] == "req-from-web"
    assert line["task_id"] == result.id


def test_publishing_a_task_stamps_the_current_request_id():
    from ops.observability.task_hooks import stamp_request_id

    headers = {}
    token = context.bind_request_id("req-7")
    try:
        stamp_request_id(headers=headers)
    finally:
        context.unbind_request_id(token)
    assert headers == {"crm_request_id": "req-7"}


def test_text_format_is_one_readable_line_with_the_context(tenant_a):
    record = logging.LogRecord("crm.x", logging.INFO, __file__, 1, "hello", None, None)
    record.tenant, record.request_id, record.task_id = tenant_a.schema_name, "req-1", None

    line = TextFormatter().format(record)

    assert line.endswith(f"INFO crm.x [{tenant_a.schema_name} request=req-1] hello")


def test_x_request_id_from_the_client_comes_back(tenant_a):
    response = Client(HTTP_HOST=host(tenant_a)).get("/login/", HTTP_X_REQUEST_ID="ingress-1234.abc")
    assert response["X-Request-ID"] == "ingress-1234.abc"


def test_a_request_without_an_id_gets_a_fresh_one(tenant_a):
    first = Client(HTTP_HOST=host(tenant_a)).get("/login/")["X-Request-ID"]
    second = Client(HTTP_HOST=host(tenant_a)).get("/login/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.parametrize("offered", ["has spaces", "line\r\nbreak", "x" * 200, ""])
def test_an_unusable_request_id_is_replaced(tenant_a, offered):
    response = Client(HTTP_HOST=host(tenant_a)).get("/login/", HTTP_X_REQUEST_ID=offered)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_an_unknown_host_still_gets_a_request_id():
    response = Client(HTTP_HOST="nosuchtenant.localhost").get("/")
    assert response.status_code == 404
    assert response["X-Request-ID"]
