"""A backup is one instant of the tenant, taken while it keeps working: writes
committed during the backup are neither blocked nor half in it."""

import threading

import pytest
from django.db import connection

from crm.accounts.models import Account
from crm.accounts.services import create_account
from crm.contacts.models import Contact
from crm.contacts.services import create_contact
from crm.users.models import User
from ops.backups import catalog, services
from tenants.models import Tenant
from tests.ops.backups.conftest import add_records
from tests.tenancy import in_tenant, unique_subdomain


def _pair(admin, name):
    """An account and its contact, written in one transaction by the services."""
    from django.db import transaction

    with transaction.atomic():
        account = create_account(by=admin, name=name, owner=admin)
        create_contact(by=admin, first_name=name, account=account, owner=admin)


class Writer(threading.Thread):
    """Writes pairs in its own connection until told to stop."""

    def __init__(self, tenant):
        super().__init__(daemon=True)
        self.tenant, self.stop, self.written, self.error = tenant, threading.Event(), 0, None

    def run(self):
        try:
            connection.set_tenant(self.tenant)
            admin = User.objects.get(email=self.tenant.owner_email)
            while not self.stop.is_set():
                _pair(admin, f"thread-{self.written}")
                self.written += 1
        except Exception as exc:  # reported by the test
            self.error = exc
        finally:
            connection.close()


def test_writes_during_a_backup_are_not_blocked_and_not_half_in_it(
    local_backups, committed_tenant, committed_db, media
):
    tenant = committed_tenant()
    add_records(tenant, contacts=3, files=1)
    with in_tenant(tenant):
        admin = User.objects.get(email=tenant.owner_email)
        accounts_before = Account.objects.count()
    writer = Writer(tenant)
    writer.start()
    during = []

    def report(done, total, what):
        # The snapshot is open from the first part on; these commit inside it.
        if what == "files" and done == 1:
            with in_tenant(tenant):
                for index in range(3):
                    _pair(admin, f"during-{index}")
                    during.append(f"during-{index}")

    try:
        backup = services.take_backup(tenant=tenant, report=report)
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None
    assert writer.written > 0

    copy_subdomain = unique_subdomain("snap")
    services.restore_into_new_tenant(backup=backup, subdomain=copy_subdomain)
    copy = Tenant.objects.get(subdomain=copy_subdomain)
    committed_db.append(copy)

    with in_tenant(copy):
        names = set(Account.objects.values_list("name", flat=True))
        # Nothing committed after the snapshot began...
        assert not names & set(during)
        # ...and every pair is whole: an account with its contact, or neither.
        pairs = {name for name in names if name.startswith("thread-")}
        contacts = {
            (c.first_name, c.account.name)
            for c in Contact.objects.select_related("account")
            if c.first_name.startswith("thread-")
        }
        assert contacts == {(name, name) for name in pairs}
        assert Account.objects.count() == accounts_before + len(pairs)
        assert backup.manifest["tables"]["accounts_account"]["rows"] == Account.objects.count()
    with in_tenant(tenant):
        assert Account.objects.filter(name__in=during).count() == 3


@pytest.mark.django_db
def test_the_snapshot_reads_only_its_own_schemas_catalog(tenant_a, tenant_b):
    with connection.cursor() as cursor:
        tables = catalog.tables(cursor, tenant_a.schema_name)
        sequences = catalog.sequences(cursor, tenant_a.schema_name)
    names = {table.name for table in tables}
    assert {"contacts_contact", "accounts_account", "django_migrations"} <= names
    assert "tenants_tenant" not in names  # public's tables are not the tenant's
    contact = next(table for table in tables if table.name == "contacts_contact")
    assert contact.primary_key == ["id"] and "first_name" in contact.columns
    assert sequences["contacts_contact_id_seq"] == {"table": "contacts_contact", "column": "id"}


@pytest.mark.django_db
def test_the_catalog_found_through_pg_depend_is_the_whole_schema(tenant_a):
    # The queries go through pg_depend (indexed) rather than pg_class.relnamespace
    # (not indexed); they must still find everything a plain scan finds.
    schema = tenant_a.schema_name
    with connection.cursor() as cursor:

        def scan(sql_text):
            cursor.execute(sql_text, [schema])
            return {row[0] for row in cursor.fetchall()}

        in_schema = "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s"
        assert {t.name for t in catalog.tables(cursor, schema)} == scan(
            f"SELECT c.relname {in_schema} AND c.relkind = 'r'"
        )
        assert set(catalog.sequences(cursor, schema)) == scan(f"SELECT c.relname {in_schema} AND c.relkind = 'S'")
        assert {name for _, name, _ in catalog.foreign_keys(cursor, schema)} == scan(
            "SELECT con.conname FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace "
            "WHERE n.nspname = %s AND con.contype = 'f'"
        )
        plain = {name for name, _ in catalog.indexes(cursor, schema)}
        backing = scan(
            "SELECT i.relname FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace "
            "JOIN pg_class i ON i.oid = con.conindid WHERE n.nspname = %s"
        )
        assert plain and backing and not plain & backing
        assert plain | backing == scan(f"SELECT c.relname {in_schema} AND c.relkind = 'i'")
