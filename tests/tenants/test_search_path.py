"""TENANT_LIMIT_SET_CALLS: the search_path is set once per tenant switch, never
trusted after a rollback that undid it. Each test tries to make a query run in
the wrong schema (public, or the other tenant's) and fails to."""

import pytest
from django.db import connection, transaction

from crm.accounts.models import Account
from crm.accounts.services import create_account
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db


def current_schema():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


def set_statements(queries):
    return [q["sql"] for q in queries if q["sql"].startswith("SET search_path")]


def test_one_set_per_tenant_switch_not_per_query(tenant_a):
    from django.test.utils import CaptureQueriesContext

    with in_tenant(tenant_a), CaptureQueriesContext(connection) as captured:
        for _ in range(3):
            Account.objects.count()
    assert len(set_statements(captured.captured_queries)) == 1


def test_a_savepoint_rollback_that_undid_the_set_is_followed_by_a_new_one(tenant_a, tenant_b):
    with in_tenant(tenant_a):
        create_account(by=user_of(tenant_a, "admin"), name="Only in A")
    connection.set_tenant(tenant_b)
    try:
        with transaction.atomic():
            # The first query after the switch sends the SET inside this savepoint ...
            assert current_schema() == tenant_b.schema_name
            raise RuntimeError("roll the savepoint back")
    except RuntimeError:
        pass
    # ... which rolled it back: PostgreSQL is on the previous path again, so the
    # backend must send it anew rather than believe it is still in place.
    assert current_schema() == tenant_b.schema_name
    assert not Account.objects.filter(name="Only in A").exists()


def test_switching_tenants_always_switches_the_schema(tenant_a, tenant_b):
    with in_tenant(tenant_a):
        create_account(by=user_of(tenant_a, "admin"), name="Alpha row")
        assert Account.objects.filter(name="Alpha row").exists()
        with in_tenant(tenant_b):
            assert current_schema() == tenant_b.schema_name
            assert not Account.objects.filter(name="Alpha row").exists()
        assert current_schema() == tenant_a.schema_name
        assert Account.objects.filter(name="Alpha row").exists()


def test_a_failed_statement_and_rollback_leave_the_tenant_schema_in_place(tenant_a):
    from django.db import DatabaseError

    with in_tenant(tenant_a):
        try:
            with transaction.atomic():
                assert current_schema() == tenant_a.schema_name
                with connection.cursor() as cursor:
                    cursor.execute("SELECT * FROM no_such_table")
        except DatabaseError:
            pass
        assert current_schema() == tenant_a.schema_name
