import shutil
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from crm.users.models import UserManager
from tenants import provisioning
from tenants.models import Domain, SpareSchema, Tenant
from tests.tenancy import sign_up, unique_subdomain

CONTACTS_MIGRATIONS = Path(__file__).resolve().parents[2] / "crm" / "contacts" / "migrations"


def schemas_like(pattern):
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [pattern])
        return {row[0] for row in cursor.fetchall()}


def table_exists(schema, table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}".{table}'])
        return cursor.fetchone()[0]


@pytest.fixture(autouse=True)
def _no_background_refills(django_db_blocker):
    """A Celery worker started by another module keeps refilling the pool in the
    background; holding the pool's own lock keeps it out while these tests count
    spares (fill_pool on this connection still gets the lock: it is re-entrant)."""
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [provisioning._POOL_LOCK_KEY])
    yield
    with django_db_blocker.unblock():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock_all()")
        except Exception:  # an aborted test transaction: refills then stay off for this session
            pass


@pytest.fixture
def new_migration(settings, tmp_path):
    """The code as it will be after we add a migration: crm.contacts gains one
    that creates the table `contacts_probe`."""
    package = f"probe_migrations_{uuid.uuid4().hex[:8]}"
    target = tmp_path / package
    shutil.copytree(CONTACTS_MIGRATIONS, target, ignore=shutil.ignore_patterns("__pycache__"))
    last = sorted(p.stem for p in target.glob("0*.py"))[-1]
    (target / "9999_probe.py").write_text(
        textwrap.dedent(f"""
        from django.db import migrations

        class Migration(migrations.Migration):
            dependencies = [("contacts", "{last}")]
            operations = [migrations.RunSQL(
                "CREATE TABLE contacts_probe (id serial PRIMARY KEY)", "DROP TABLE contacts_probe")]
    """)
    )
    sys.path.insert(0, str(tmp_path))
    settings.MIGRATION_MODULES = {"contacts": package}
    provisioning.migration_fingerprint.cache_clear()
    yield
    settings.MIGRATION_MODULES = {}
    sys.path.remove(str(tmp_path))
    provisioning.migration_fingerprint.cache_clear()


@pytest.fixture
def pool_restored(committed_db):
    """Start with current spares in the pool; leave it with current spares only."""
    provisioning.fill_pool(size=2)
    yield committed_db
    provisioning.migration_fingerprint.cache_clear()
    provisioning.discard_stale_spares()
    provisioning.fill_pool(size=2)


def test_tenant_signed_up_after_an_upgrade_has_the_new_migrations_table(pool_restored, new_migration):
    spares_before = set(SpareSchema.objects.values_list("schema_name", flat=True))
    assert spares_before, "the session's pool should hold spares"

    call_command("upgrade", verbosity=0)

    # The upgrade brought the existing spares along instead of leaving them behind
    # (a pool refill on the session's Celery worker may have replaced some meanwhile).
    kept = spares_before & set(SpareSchema.objects.values_list("schema_name", flat=True))
    assert all(table_exists(name, "contacts_probe") for name in kept)
    tenant = sign_up()
    pool_restored.append(tenant)
    assert table_exists(tenant.schema_name, "contacts_probe")
    assert spares_before - set(SpareSchema.objects.values_list("schema_name", flat=True)), (
        "sign-up should have taken one of the upgraded spares"
    )


def test_spares_left_behind_by_a_missed_upgrade_are_never_handed_out(pool_restored, new_migration):
    stale = set(SpareSchema.objects.values_list("schema_name", flat=True))
    assert stale

    tenant = sign_up()
    pool_restored.append(tenant)

    assert table_exists(tenant.schema_name, "contacts_probe")
    assert stale <= schemas_like("spare_%"), "no stale spare may become a tenant"


def test_a_failure_midway_through_sign_up_leaves_no_schema_domain_or_tenant(committed_db, monkeypatch):
    subdomain = unique_subdomain("broken")
    spares_before = set(SpareSchema.objects.values_list("schema_name", flat=True))

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(UserManager, "create_superuser", fail)
    with pytest.raises(RuntimeError):
        sign_up(subdomain=subdomain)

    assert not Tenant.objects.filter(subdomain=subdomain).exists()
    assert not Domain.objects.filter(domain__startswith=f"{subdomain}.").exists()
    assert schemas_like(f"t_{subdomain.replace('-', '_')}_%") == set()
    # The spare it had taken is back in the pool, intact.
    assert set(SpareSchema.objects.values_list("schema_name", flat=True)) == spares_before
    assert spares_before <= schemas_like("spare_%")


def test_a_failure_while_preparing_a_spare_leaves_no_schema(committed_db, monkeypatch):
    real_migrate = provisioning.migrate_schema
    spares_before = schemas_like("spare_%")

    def migrate_then_fail(schema_name):
        real_migrate(schema_name)
        raise RuntimeError("connection lost")

    monkeypatch.setattr(provisioning, "migrate_schema", migrate_then_fail)
    with pytest.raises(RuntimeError):
        provisioning.prepare_spare()

    assert schemas_like("spare_%") == spares_before
    assert SpareSchema.objects.count() == len(spares_before)


@pytest.mark.django_db
def test_sign_up_with_an_empty_pool_still_makes_a_working_tenant():
    SpareSchema.objects.all().delete()  # rolled back with the test
    tenant = sign_up()
    assert table_exists(tenant.schema_name, "contacts_contact")
    assert table_exists(tenant.schema_name, "users_user")


@pytest.mark.django_db
def test_sign_up_takes_a_spare_rather_than_migrating():
    provisioning.prepare_spare()  # in the test transaction, so the pool is not empty
    before = schemas_like("spare_%")

    tenant = sign_up()

    after = schemas_like("spare_%")
    assert after < before, "no spare may be prepared during this sign-up"
    assert len(before - after) == 1
    assert tenant.schema_name in schemas_like("t_%")


@pytest.mark.django_db
def test_fill_pool_replaces_stale_spares_with_current_ones(spare_pool):
    SpareSchema.objects.update(fingerprint="old")  # rolled back with the test
    stale = set(SpareSchema.objects.values_list("schema_name", flat=True))

    provisioning.fill_pool(size=1)

    assert schemas_like("spare_%").isdisjoint(stale)
    assert list(SpareSchema.objects.values_list("fingerprint", flat=True)) == [provisioning.migration_fingerprint()]
