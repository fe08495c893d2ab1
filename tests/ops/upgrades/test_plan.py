"""What a schema still needs, read from its django_migrations rows alone."""

import pytest
from django.db import connection

from ops.upgrades import plan, services
from ops.upgrades.plan import DiskMigrations
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_a_schema_with_every_migration_recorded_has_nothing_pending(tenant_a):
    disk = plan.disk_migrations()
    recorded = plan.recorded_migrations([tenant_a.schema_name, "no_such_schema"])

    assert "no_such_schema" not in recorded
    assert disk.pending(recorded[tenant_a.schema_name]) == []


def test_a_migration_missing_from_a_schema_is_pending(tenant_a):
    with connection.cursor() as cursor:  # rolled back with the test
        cursor.execute(
            f'DELETE FROM "{tenant_a.schema_name}".django_migrations '
            "WHERE app = 'contacts' AND name LIKE '0001%%' RETURNING app || '.' || name"
        )
        removed = cursor.fetchone()[0]

    recorded = plan.recorded_migrations([tenant_a.schema_name])

    assert plan.disk_migrations().pending(recorded[tenant_a.schema_name]) == [removed]


def test_a_squashed_migration_counts_as_applied_when_all_it_replaces_are():
    disk = DiskMigrations(
        target="x", plain=frozenset({"a.0001"}), squashed=(("a.0002_squashed_0003", frozenset({"a.0002", "a.0003"})),)
    )

    assert disk.pending({"a.0001", "a.0002", "a.0003"}) == []
    assert disk.pending({"a.0001", "a.0002_squashed_0003"}) == []
    assert disk.pending({"a.0001", "a.0002"}) == ["a.0002_squashed_0003"]


def test_the_target_changes_with_the_migrations_on_disk(settings, tmp_path):
    before = plan.disk_migrations().target
    settings.MIGRATION_MODULES = {"savedviews": None}  # as if the app had no migrations

    assert plan.disk_migrations().target != before


def test_a_tenant_whose_schema_is_gone_is_recorded_failed(spare_pool):
    gone = Tenant.objects.create(
        schema_name="t_gone_00000000", subdomain="gone-schema", company="Gone", owner_email="gone@example.test"
    )

    summary = services.upgrade_tenants(workers=1, canary=0)

    assert [outcome.subdomain for outcome in summary.failed] == ["gone-schema"]
    assert "does not exist" in gone.upgrade.error
