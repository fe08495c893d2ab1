"""A migration added at run time, and tenants committed for the upgrade to find.

The probe migration creates a table of its own name in every schema it runs
in; a tenant is made to fail by creating that table in its schema first, so
the migration's CREATE TABLE conflicts (a real DDL error inside the real
executor, not a mock).
"""

import shutil
import sys
import textwrap
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import ProgrammingError, connection, transaction
from django_tenants.utils import quote_schema_name

from ops.models import TenantUpgrade
from tenants import provisioning
from tenants.models import SpareSchema
from tests.tenancy import sign_up

CONTACTS_MIGRATIONS = Path(__file__).resolve().parents[3] / "crm" / "contacts" / "migrations"


@pytest.fixture(scope="session", autouse=True)
def _only_on_a_test_database(django_db_setup):
    """Committed fixtures write for real: refuse to start on anything but a test
    database (pytest-django makes one only when a collected test is marked
    django_db, which tests/ops/upgrades/test_plan.py has)."""
    assert connection.settings_dict["NAME"].startswith("test"), (
        f"not a test database: {connection.settings_dict['NAME']}; run tests/ops/upgrades/test_plan.py with them"
    )


class Probe:
    def __init__(self, table, migration):
        self.table, self.migration = table, migration

    def exists_in(self, schema):
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{quote_schema_name(schema)}.{self.table}"])
            return cursor.fetchone()[0]

    def recorded_in(self, schema):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM {quote_schema_name(schema)}.django_migrations "
                "WHERE app = 'contacts' AND name = %s",
                [self.migration],
            )
            return cursor.fetchone()[0]

    def block(self, tenant):
        """Make the probe migration fail in `tenant`'s schema."""
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {quote_schema_name(tenant.schema_name)}.{self.table} (id int)")

    def unblock(self, tenant):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {quote_schema_name(tenant.schema_name)}.{self.table}")


@contextmanager
def contacts_release(settings, tmp_path, name, forward, backward, cleanup):
    """The code as it will be after a release adds the migration `name` (RunSQL
    `forward` / `backward`) to crm.contacts. Afterwards the statements of `cleanup`
    (with `{schema}`) and the removal of the migration's row run in every schema,
    and the pool is current again."""
    package = f"release_{uuid.uuid4().hex[:8]}"
    target = tmp_path / package
    shutil.copytree(CONTACTS_MIGRATIONS, target, ignore=shutil.ignore_patterns("__pycache__"))
    last = sorted(p.stem for p in target.glob("0*.py"))[-1]
    (target / f"{name}.py").write_text(
        textwrap.dedent(f"""
        from django.db import migrations

        class Migration(migrations.Migration):
            dependencies = [("contacts", "{last}")]
            operations = [migrations.RunSQL({forward!r}, {backward!r})]
    """)
    )
    sys.path.insert(0, str(tmp_path))
    settings.MIGRATION_MODULES = {"contacts": package}
    provisioning.migration_fingerprint.cache_clear()
    try:
        yield
    finally:
        settings.MIGRATION_MODULES = {}
        sys.path.remove(str(tmp_path))
        provisioning.migration_fingerprint.cache_clear()
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname = 'public' OR nspname LIKE 't\\_%' "
                "OR nspname LIKE 'spare\\_%'"
            )
            schemas = [schema for (schema,) in cursor.fetchall()]
        for schema in schemas:
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    for statement in cleanup:
                        cursor.execute(statement.format(schema=quote_schema_name(schema)))
                    cursor.execute(
                        f"DELETE FROM {quote_schema_name(schema)}.django_migrations "
                        "WHERE app = 'contacts' AND name = %s",
                        [name],
                    )
            except ProgrammingError:
                # A spare the session's worker was making (no django_migrations yet)
                # or dropping at that moment.
                continue
        # The spares were upgraded to the release's fingerprint; put them back.
        SpareSchema.objects.update(fingerprint=provisioning.migration_fingerprint())


@pytest.fixture
def probe(settings, tmp_path, committed_db):
    """crm.contacts gains `9999_probe_<hex>`, which creates the table `probe_<hex>`
    and adds a column of that name to contacts_contact (so it needs that table's
    lock); afterwards both leave every schema."""
    suffix = uuid.uuid4().hex[:8]
    name, table = f"9999_probe_{suffix}", f"probe_{suffix}"
    with contacts_release(
        settings,
        tmp_path,
        name,
        f"CREATE TABLE {table} (id serial PRIMARY KEY); ALTER TABLE contacts_contact ADD COLUMN {table} text",
        f"ALTER TABLE contacts_contact DROP COLUMN {table}; DROP TABLE {table}",
        cleanup=[
            f"DROP TABLE IF EXISTS {{schema}}.{table}",
            f"ALTER TABLE IF EXISTS {{schema}}.contacts_contact DROP COLUMN IF EXISTS {table}",
        ],
    ):
        yield Probe(table, name)


@pytest.fixture
def tenants(committed_db):
    """Three committed tenants, oldest first; deleted afterwards with their upgrade rows."""
    made = [sign_up() for _ in range(3)]
    committed_db.extend(made)
    yield made
    TenantUpgrade.objects.all().delete()


def row(tenant):
    return TenantUpgrade.objects.get(tenant=tenant)
