"""A backup is all or nothing: an altered object refuses to restore, and an
upload that fails midway leaves a failed backup, no object and no parts; the
retry then makes a whole one."""

import os
from datetime import timedelta
from unittest import mock

import pytest
from botocore.exceptions import EndpointConnectionError
from django.db import connection
from django.utils import timezone

from ops.backups import database, selectors, services, storage, tasks
from ops.backups.format import BackupFormatError
from ops.models import Backup, Restore
from tenants.models import Tenant
from tests.ops.backups.conftest import add_records, table_rows


def _big_file(tenant, media, megabytes=12):
    """Random bytes (they do not compress) in the tenant's folder: the object
    then needs three 5 MiB parts."""
    folder = media / tenant.schema_name / "attachments" / "blob"
    folder.mkdir(parents=True)
    (folder / "big.bin").write_bytes(os.urandom(megabytes * 1024 * 1024))


def _schema_exists(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone()[0] == 1


def _tamper(target, key, change):
    data = b"".join(target.read(key))
    target.client.put_object(Bucket=target.location, Key=key, Body=change(bytearray(data)))


def _flip_a_byte_in_the_middle(data):
    data[len(data) // 2] ^= 0x01
    return bytes(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_flip_a_byte_in_the_middle, "does not authenticate: the object was altered"),
        (lambda data: bytes(data[:-100]), "cut short"),
    ],
)
def test_an_altered_backup_refuses_to_restore_and_changes_nothing(change, message, s3, committed_tenant, media):
    tenant = committed_tenant()
    add_records(tenant, contacts=3, files=1)
    backup = services.take_backup(tenant=tenant)
    add_records(tenant, contacts=1, files=0, prefix="later")
    rows = table_rows(tenant.schema_name)
    _tamper(s3, backup.key, change)

    item = services.request_restore(backup=backup, queue=False)
    with pytest.raises(BackupFormatError, match=message):
        services.run_restore(restore_id=item.pk)

    item.refresh_from_db()
    assert item.status == Restore.Status.FAILED and message in item.error
    assert table_rows(tenant.schema_name) == rows
    assert not Tenant.objects.get(pk=tenant.pk).restoring
    assert not _schema_exists(item.staging_schema) and not _schema_exists(item.undo_schema)
    assert not (media / item.staging_schema).exists()


def test_a_backup_made_with_another_key_is_named_as_such(s3, committed_tenant, media, settings):
    tenant = committed_tenant()
    backup = services.take_backup(tenant=tenant)
    settings.BACKUP_ENCRYPTION_KEY = "a-key-that-did-not-make-it"
    item = services.request_restore(backup=backup, queue=False)
    with pytest.raises(BackupFormatError, match="another BACKUP_ENCRYPTION_KEY"):
        services.run_restore(restore_id=item.pk)


class FailSecondPart:
    """A boto3 event hook on the real client: the 2nd UploadPart request raises a
    connection error before it is sent, once. A hook rather than stopping the
    moto server, so that the server is still there to show that the upload was
    aborted (no multipart upload left, no object) and to take the retry."""

    def __init__(self):
        self.calls = 0
        self.failed = False

    def __call__(self, **kwargs):
        self.calls += 1
        if self.calls == 2 and not self.failed:
            self.failed = True
            raise EndpointConnectionError(endpoint_url="http://s3.example/upload-part-2")


@pytest.fixture
def failing_second_part(s3):
    hook = FailSecondPart()
    events = storage.s3_client().meta.events
    events.register("before-call.s3.UploadPart", hook)
    yield hook
    events.unregister("before-call.s3.UploadPart", hook)


def test_an_upload_failing_midway_leaves_a_failed_backup_and_nothing_stored(
    s3, failing_second_part, committed_tenant, media
):
    tenant = committed_tenant()
    _big_file(tenant, media)
    backup = Backup.objects.create(tenant=tenant, schema_name=tenant.schema_name, subdomain=tenant.subdomain)

    with pytest.raises(EndpointConnectionError):
        services.run_backup(backup_id=backup.pk)

    backup.refresh_from_db()
    assert backup.status == Backup.Status.FAILED and "upload-part-2" in backup.error
    assert backup.size is None and backup.checksum == ""
    assert s3.keys() == [] and s3.unfinished_uploads() == []
    assert list(selectors.restorable_backups(tenant)) == []


def test_the_task_retries_a_failed_upload_into_one_whole_backup(s3, failing_second_part, committed_tenant, media):
    tenant = committed_tenant()
    _big_file(tenant, media)
    backup = Backup.objects.create(tenant=tenant, schema_name=tenant.schema_name, subdomain=tenant.subdomain)

    # Eagerly, as a worker would run it: the first attempt fails on part 2, the
    # task's retry runs the backup again.
    tasks.run_backup.apply(args=[backup.pk])

    backup.refresh_from_db()
    assert failing_second_part.failed
    assert backup.status == Backup.Status.DONE and backup.attempts == 2
    assert s3.keys() == [backup.key] and s3.unfinished_uploads() == []
    assert backup.size > 10 * 1024 * 1024
    assert list(selectors.restorable_backups(tenant)) == [backup]


def test_the_sweep_requeues_a_backup_whose_worker_died(local_backups, committed_tenant):
    tenant = committed_tenant()
    long_ago = timezone.now() - timedelta(hours=2)
    dead = Backup.objects.create(
        tenant=tenant,
        schema_name=tenant.schema_name,
        subdomain=tenant.subdomain,
        status=Backup.Status.RUNNING,
        started_at=long_ago,
        created_at=long_ago,
        attempts=1,
    )
    alive = Backup.objects.create(
        tenant=tenant,
        schema_name=tenant.schema_name,
        subdomain=tenant.subdomain,
        status=Backup.Status.RUNNING,
        started_at=long_ago,
        created_at=long_ago,
        attempts=1,
    )
    worn_out = Backup.objects.create(
        tenant=tenant,
        schema_name=tenant.schema_name,
        subdomain=tenant.subdomain,
        status=Backup.Status.RUNNING,
        started_at=long_ago,
        created_at=long_ago,
        attempts=3,
    )
    with database.side_connection() as worker, mock.patch.object(tasks.run_backup, "delay") as delay:
        # A live worker holds its backup's lock; a killed one's went with its connection.
        assert database.try_lock(worker, database.LOCK_BACKUP, alive.pk)
        services.sweep()

    assert [call.args[0] for call in delay.call_args_list] == [dead.pk]
    dead.refresh_from_db(), alive.refresh_from_db(), worn_out.refresh_from_db()
    assert dead.status == Backup.Status.PENDING
    assert alive.status == Backup.Status.RUNNING
    assert worn_out.status == Backup.Status.FAILED and "gave up" in worn_out.error


def test_a_requeued_backup_finishes(local_backups, committed_tenant, media):
    tenant = committed_tenant()
    add_records(tenant, contacts=1, files=1)
    long_ago = timezone.now() - timedelta(hours=2)
    backup = Backup.objects.create(
        tenant=tenant,
        schema_name=tenant.schema_name,
        subdomain=tenant.subdomain,
        status=Backup.Status.RUNNING,
        started_at=long_ago,
        created_at=long_ago,
        attempts=1,
    )
    with mock.patch.object(tasks.run_backup, "delay", side_effect=lambda pk: tasks.run_backup.apply(args=[pk])):
        services.sweep()
    backup.refresh_from_db()
    assert backup.status == Backup.Status.DONE and backup.attempts == 2
    assert local_backups.keys() == [backup.key]


@pytest.mark.django_db
def test_only_a_finished_backup_can_be_restored(tenant_a):
    backup = Backup.objects.create(
        tenant=tenant_a, schema_name=tenant_a.schema_name, subdomain=tenant_a.subdomain, status=Backup.Status.FAILED
    )
    with pytest.raises(services.RestoreRefused):
        services.request_restore(backup=backup, queue=False)
    assert not Restore.objects.filter(backup=backup).exists()
    assert not Tenant.objects.get(pk=tenant_a.pk).restoring


def test_an_object_that_reads_back_differently_is_not_a_backup(local_backups, committed_tenant, media):
    tenant = committed_tenant()
    real_read = storage.LocalStorage.read

    def damaged_read(self, key):
        for chunk in real_read(self, key):
            yield chunk[:-1] + bytes([chunk[-1] ^ 1])

    # The storage "keeps" other bytes than it was given (a faulty disk or server).
    with mock.patch.object(storage.LocalStorage, "read", damaged_read):
        with pytest.raises(storage.StorageError, match="reads back differently"):
            services.take_backup(tenant=tenant)
    backup = Backup.objects.get(tenant=tenant)
    assert backup.status == Backup.Status.FAILED and "reads back differently" in backup.error
    assert local_backups.keys() == [] and local_backups.unfinished_uploads() == []
