"""`manage.py upgrade --check`: what the Helm chart's pods wait on before they start.
Each test changes django_migrations rows inside its own transaction, rolled back after."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ops.models import TenantUpgrade

pytestmark = pytest.mark.django_db


def check():
    out = io.StringIO()
    call_command("upgrade", "--check", stdout=out)
    return out.getvalue()


def forget_migration(schema, app="contacts"):
    """Make `schema` look one migration behind; returns that migration's name."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM \"{schema}\".django_migrations WHERE app = %s AND name LIKE %s RETURNING app || '.' || name",
            [app, "0001%"],
        )
        return cursor.fetchone()[0]


def test_check_passes_when_public_and_every_tenant_are_current(tenant_a):
    assert "current" in check()


def test_check_fails_and_names_a_tenant_that_is_behind(tenant_a, tenant_b):
    missing = forget_migration(tenant_a.schema_name)

    with pytest.raises(CommandError) as failure:
        check()

    assert tenant_a.subdomain in str(failure.value) and missing in str(failure.value)
    assert tenant_b.subdomain not in str(failure.value)


def test_check_fails_when_the_public_schema_is_behind(tenant_a):
    missing = forget_migration("public", app="tenants")

    with pytest.raises(CommandError) as failure:
        check()

    assert "public" in str(failure.value) and missing in str(failure.value)


def test_check_changes_nothing(tenant_a):
    forget_migration(tenant_a.schema_name)
    rows_before = TenantUpgrade.objects.count()

    with pytest.raises(CommandError):
        check()

    assert TenantUpgrade.objects.count() == rows_before
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT count(*) FROM "{tenant_a.schema_name}".django_migrations '
            "WHERE app = 'contacts' AND name LIKE '0001%%'"
        )
        assert cursor.fetchone()[0] == 0
