"""A database connection that has touched more tenant schemas than
DATABASE_MAX_SCHEMAS_PER_CONNECTION is closed after its request or task, so that
no connection keeps thousands of tenants' catalogs cached."""

import pytest
from django.db import connection
from django.test import Client, override_settings

from ops.observability.connections import schemas_seen
from tests.ops.observability import sample_tasks
from tests.tenancy import host


def backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def api_request(tenant):
    # A well-formed unknown token is looked up in the tenant's schema, then
    # refused: a query there, and nothing written.
    response = Client(HTTP_HOST=host(tenant), HTTP_AUTHORIZATION="Bearer crm_unknown").get("/api/v1/contacts/")
    assert response.status_code == 401


@pytest.fixture
def fresh_connection(committed_db):
    # Outside the test transaction: closing a connection is what is under test.
    connection.close()
    yield
    connection.close()


@override_settings(DATABASE_MAX_SCHEMAS_PER_CONNECTION=1)
def test_a_connection_is_closed_after_a_request_takes_it_past_the_limit(fresh_connection, tenant_a, tenant_b):
    api_request(tenant_a)
    first = backend_pid()
    assert tenant_a.schema_name in schemas_seen(connection)

    api_request(tenant_b)

    assert backend_pid() != first
    assert schemas_seen(connection) == {"public"}


@override_settings(DATABASE_MAX_SCHEMAS_PER_CONNECTION=2)
def test_a_connection_within_the_limit_is_kept(fresh_connection, tenant_a, tenant_b):
    api_request(tenant_a)
    first = backend_pid()

    api_request(tenant_b)
    api_request(tenant_a)

    assert backend_pid() == first
    assert {tenant_a.schema_name, tenant_b.schema_name} <= schemas_seen(connection)


@override_settings(DATABASE_MAX_SCHEMAS_PER_CONNECTION=1)
def test_a_connection_is_closed_after_a_task_takes_it_past_the_limit(fresh_connection, tenant_a, tenant_b):
    sample_tasks.count_accounts.apply(headers={"tenant_schema": tenant_a.schema_name})
    first = backend_pid()

    sample_tasks.count_accounts.apply(headers={"tenant_schema": tenant_b.schema_name})

    assert backend_pid() != first


@pytest.mark.django_db
@override_settings(DATABASE_MAX_SCHEMAS_PER_CONNECTION=0)
def test_a_connection_inside_a_transaction_is_never_closed(tenant_a, tenant_b):
    first = backend_pid()

    api_request(tenant_a)
    api_request(tenant_b)

    assert backend_pid() == first
