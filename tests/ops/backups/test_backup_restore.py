"""A backup brings a tenant back exactly: rows, sequences and files, through S3
(moto's server over HTTP) and through the local folder."""

import time

import pytest
from django.db import connection

from crm.accounts.models import Account
from crm.contacts.models import Contact
from ops.backups import restore as restore_module
from ops.backups import selectors, services
from ops.models import Backup, Restore
from tenants.models import Tenant
from tests.ops.backups.conftest import add_records, files_of, sequence_values, table_rows
from tests.tenancy import api_client, in_tenant, user_of


def _change_everything(tenant, media):
    """Rows added, changed and deleted; a file added and one removed."""
    add_records(tenant, contacts=2, files=1, prefix="after")
    with in_tenant(tenant):
        Contact.objects.filter(first_name="c0").update(last_name="Changed")
        Account.objects.filter(name="c company 1").delete()
    first_file = sorted((media / tenant.schema_name).rglob("c0.txt"))[0]
    first_file.unlink()


@pytest.mark.parametrize("where", ["s3", "local_backups"])
def test_restore_brings_back_identical_rows_sequences_and_files(where, request, committed_tenant, media):
    target = request.getfixturevalue(where)
    tenant = committed_tenant()
    add_records(tenant, contacts=3, files=2)
    rows, sequences, files = (
        table_rows(tenant.schema_name),
        sequence_values(tenant.schema_name),
        files_of(media / tenant.schema_name),
    )

    backup = services.take_backup(tenant=tenant)
    assert backup.status == Backup.Status.DONE
    assert target.keys() == [backup.key]
    assert backup.size > 0 and len(backup.checksum) == 64
    assert backup.manifest["tables"]["contacts_contact"]["rows"] == 3
    assert backup.manifest["files"]["count"] == 2

    _change_everything(tenant, media)
    assert table_rows(tenant.schema_name) != rows

    item = services.request_restore(backup=backup, queue=False)
    assert Tenant.objects.get(pk=tenant.pk).restoring
    item = services.run_restore(restore_id=item.pk)

    assert item.status == Restore.Status.DONE
    assert table_rows(tenant.schema_name) == rows
    assert sequence_values(tenant.schema_name) == sequences
    assert files_of(media / tenant.schema_name) == files
    assert not Tenant.objects.get(pk=tenant.pk).restoring
    # The replaced schema and files are kept as the undo.
    assert "after0" in str(table_rows(item.undo_schema)["contacts_contact"])
    assert files_of(media / item.undo_schema)


def test_the_restored_tenant_keeps_working(local_backups, committed_tenant, media):
    tenant = committed_tenant()
    add_records(tenant, contacts=2, files=0)
    backup = services.take_backup(tenant=tenant)
    services.run_restore(restore_id=services.request_restore(backup=backup, queue=False).pk)
    # Sequences continue past the restored ids: new rows do not collide.
    add_records(tenant, contacts=2, files=1, prefix="new")
    with in_tenant(tenant):
        assert Contact.objects.count() == 4


def test_a_restore_of_one_tenant_leaves_the_others_alone(local_backups, committed_tenant, media):
    tenant, other = committed_tenant(), committed_tenant()
    add_records(tenant, contacts=1, files=0)
    add_records(other, contacts=2, files=1)
    others_rows = table_rows(other.schema_name)
    backup = services.take_backup(tenant=tenant)
    services.run_restore(restore_id=services.request_restore(backup=backup, queue=False).pk)
    assert table_rows(other.schema_name) == others_rows


def test_expired_undo_schemas_are_dropped(local_backups, committed_tenant, media):
    tenant = committed_tenant()
    add_records(tenant, contacts=1, files=1)
    backup = services.take_backup(tenant=tenant)
    item = services.run_restore(restore_id=services.request_restore(backup=backup, queue=False).pk)
    services.drop_expired_undo()
    assert selectors.restores_of(tenant).get().undo_dropped_at is None
    services.drop_expired_undo(now=item.undo_until)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", [item.undo_schema])
        assert cursor.fetchone()[0] == 0
    assert not restore_module.media_dir(item.undo_schema).exists()
    assert selectors.restores_of(tenant).get().undo_dropped_at is not None


@pytest.mark.django_db
def test_a_backup_that_cannot_read_its_schema_fails_and_stores_nothing(local_backups, tenant_a):
    # Inside the test transaction: the snapshot's own connection sees no schema
    # by that name (and pytest-django sets the test database up for this module).
    backup = Backup.objects.create(tenant=tenant_a, schema_name="t_no_such_schema", subdomain=tenant_a.subdomain)
    with pytest.raises(LookupError):
        services.run_backup(backup_id=backup.pk)
    backup.refresh_from_db()
    assert backup.status == Backup.Status.FAILED
    assert "no tables" in backup.error
    assert local_backups.keys() == [] and local_backups.unfinished_uploads() == []


@pytest.mark.celery
def test_an_admin_backs_up_and_restores_through_the_api_and_the_worker(s3, committed_tenant, media, celery_worker):
    tenant = committed_tenant()
    add_records(tenant, contacts=2, files=1)
    records = ("accounts_account", "contacts_contact", "attachments_attachment")
    rows = {name: table_rows(tenant.schema_name)[name] for name in records}
    client = api_client(tenant, user_of(tenant, "owner"))

    created = client.post("/api/v1/backups/")
    assert created.status_code == 202 and created.json()["status"] == "pending"
    backup = _wait_for(lambda: client.get(f"/api/v1/backups/{created.json()['id']}/").json(), "done")
    assert backup["size"] > 0 and len(backup["checksum"]) == 64

    add_records(tenant, contacts=1, files=0, prefix="after")
    assert client.post(f"/api/v1/backups/{backup['id']}/restore/").status_code == 202
    _wait_for(
        lambda: {
            "status": "done"
            if not Tenant.objects.get(pk=tenant.pk).restoring
            and Restore.objects.filter(backup_id=backup["id"], status="done").exists()
            else "running"
        },
        "done",
    )
    assert {name: table_rows(tenant.schema_name)[name] for name in records} == rows


def _wait_for(read, status, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = read()
        if value["status"] == status:
            return value
        assert value["status"] != "failed", value
        time.sleep(0.3)
    raise AssertionError(f"still {value} after {timeout}s")
