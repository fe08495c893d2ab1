"""The work of a backup and of a restore, synchronously (docs/decisions/006-backups.md):
what the Celery tasks (ops/backups/run_tasks.py) and the ops commands run, once
ops.backups.services has recorded what was asked. Every run is safe to repeat:
a finished one returns at once, one running elsewhere (its advisory lock held)
is left alone, and a run killed midway is picked up again by the sweep.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ops.backups import database, restore, snapshot, storage
from ops.backups.format import ArchiveWriter, default_codec
from ops.models import Backup, Restore
from tenants import services as tenant_services
from tenants.models import Tenant

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger("ops.backups.services")

# Progress callbacks of the ops commands: (done, total, what) of a backup, (stage, done, total) of a restore.
BackupReport = Callable[[int, int, str], None]
RestoreReport = Callable[[str, int, int], None]
# How long a backup waits for a restore of its tenant to finish, and the reverse.
TENANT_LOCK_WAIT_S = 15 * 60


class BackupBusy(Exception):
    """The tenant is being restored (or backed up, for a restore); try again later."""


def run_backup(*, backup_id: int, report: BackupReport | None = None) -> Backup:
    """Take the backup: snapshot → archive → storage, then read back and verify.

    `done` only when the object is stored and verified. On any failure the
    upload is aborted (no object, no multipart parts left), the backup is marked
    `failed` with the error, and the exception propagates (the task retries).
    Raises BackupBusy when a restore of the tenant holds it longer than we wait."""
    backup = Backup.objects.get(pk=backup_id)
    if backup.status == Backup.Status.DONE:
        return backup
    with database.side_connection() as conn:
        if not database.try_lock(conn, database.LOCK_BACKUP, backup.pk):
            log.info("backup %s is already running elsewhere", backup.pk)
            return backup
        if backup.tenant_id and not database.lock(
            conn, database.LOCK_TENANT, backup.tenant_id, timeout_s=TENANT_LOCK_WAIT_S, shared=True
        ):
            raise BackupBusy(f"tenant {backup.subdomain} is being restored")
        backup.refresh_from_db()
        if backup.status == Backup.Status.DONE:
            return backup
        target = storage.default_storage()
        backup.status, backup.started_at, backup.finished_at = Backup.Status.RUNNING, timezone.now(), None
        backup.attempts += 1
        backup.error, backup.progress_done, backup.progress_total = "", 0, 0
        backup.storage, backup.location = target.kind, target.location
        backup.key = f"tenants/{backup.schema_name}/{backup.created_at:%Y%m%dT%H%M%SZ}-{backup.pk}.crmbak"
        backup.save()
        writer = target.writer(backup.key)
        try:
            manifest = _write_archive(conn, backup, writer, report)
            stored = writer.complete()
        except Exception as exc:
            writer.abort()
            Backup.objects.filter(pk=backup.pk).update(
                status=Backup.Status.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:4000]
            )
            log.warning("backup %s of %s failed: %s", backup.pk, backup.subdomain, exc)
            raise
    manifest["object"] = {"key": stored.key, "size": stored.size, "sha256": stored.sha256}
    backup.manifest, backup.size, backup.checksum = manifest, stored.size, stored.sha256
    backup.status, backup.finished_at = Backup.Status.DONE, timezone.now()
    backup.save(update_fields=["manifest", "size", "checksum", "status", "finished_at"])
    log.info("backup %s of %s done: %s bytes", backup.pk, backup.subdomain, stored.size)
    return backup


def _write_archive(
    conn: psycopg.Connection[Any],
    backup: Backup,
    writer: storage._S3Writer | storage._LocalWriter,
    report: BackupReport | None,
) -> dict[str, Any]:
    last_write = [0.0]

    def progress(done: int, total: int, what: str) -> None:
        # At most twice a second: a small tenant's 30-odd tables would otherwise
        # cost as many writes as the backup itself takes.
        now = time.monotonic()
        if now - last_write[0] >= 0.5 or done == total:
            Backup.objects.filter(pk=backup.pk).update(progress_done=done, progress_total=total)
            last_write[0] = now
        if report:
            report(done, total, what)

    archive = ArchiveWriter(writer, secret=settings.BACKUP_ENCRYPTION_KEY)
    manifest = snapshot.write_snapshot(
        conn=conn,
        schema=backup.schema_name,
        media_dir=restore.media_dir(backup.schema_name),
        archive=archive,
        report=progress,
    )
    manifest = {
        "tenant": {"id": backup.tenant_id, "subdomain": backup.subdomain, "schema_name": backup.schema_name},
        "backup_id": backup.pk,
        "created_at": backup.created_at.isoformat(),
        "codec": {1: "zlib", 2: "zstd"}[default_codec()],
        **manifest,
    }
    # The object carries its own manifest too, so it can be understood without our database.
    part = archive.part("manifest", "manifest")
    part.write(json.dumps(manifest, sort_keys=True).encode())
    part.close()
    archive.close()
    return manifest


def run_restore(*, restore_id: int, report: RestoreReport | None = None) -> Restore:
    """Restore: build and verify a staging schema from the backup, then swap it in
    (or make it a new tenant), all in one transaction; then swap the files.

    While it runs the tenant is read-only. On failure nothing visible changed
    (the transaction rolled back, the staged files are removed), the restore is
    `failed` with the reason and the tenant writable again. Repeating a restore
    killed after its swap committed only finishes the file swap."""
    item = Restore.objects.select_related("backup", "tenant").get(pk=restore_id)
    if item.status == Restore.Status.DONE:
        return item
    same_tenant = not item.into_subdomain
    with database.side_connection() as side:
        if not database.try_lock(side, database.LOCK_RESTORE, item.pk):
            log.info("restore %s is already running elsewhere", item.pk)
            return item
        # Inside a caller's transaction (a test's) the side connection could wait on
        # rows that transaction has locked; progress is then only reported.
        progress = _RestoreProgress(None if connection.in_atomic_block else side, item.pk, report)
        Restore.objects.filter(pk=item.pk).update(
            status=Restore.Status.RUNNING,
            started_at=timezone.now(),
            finished_at=None,
            error="",
            attempts=F("attempts") + 1,
        )
        try:
            if same_tenant:
                # A restore into its own tenant has one (request_restore); None only if the
                # tenant was deleted since, which nothing here handles yet.
                tenant_services.set_restoring(tenant_id=item.tenant_id, on=True)  # type: ignore[arg-type]
                # Backups of this tenant finish first, and none starts until we are done.
                if not database.lock(side, database.LOCK_TENANT, item.tenant_id, timeout_s=TENANT_LOCK_WAIT_S):
                    raise BackupBusy(
                        f"a backup of {item.tenant} ran for longer than the restore waits; "
                        "nothing was changed, ask again later"
                    )
            if not _swap_committed(item):
                shutil.rmtree(restore.media_dir(item.staging_schema), ignore_errors=True)
                _build_and_swap(item, progress)
            progress("files", 0, 1)
            restore.swap_media(live=item.target_schema, staging=item.staging_schema, undo=item.undo_schema)
        except Exception as exc:
            if not _swap_committed(item):
                shutil.rmtree(restore.media_dir(item.staging_schema), ignore_errors=True)
            Restore.objects.filter(pk=item.pk).update(
                status=Restore.Status.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:4000]
            )
            log.warning("restore %s failed: %s", item.pk, exc)
            raise
        finally:
            if same_tenant:
                tenant_services.set_restoring(tenant_id=item.tenant_id, on=False)  # type: ignore[arg-type]
    undo_until = timezone.now() + timedelta(hours=settings.BACKUP_UNDO_HOURS) if same_tenant else None
    Restore.objects.filter(pk=item.pk).update(
        status=Restore.Status.DONE, stage="done", finished_at=timezone.now(), undo_until=undo_until
    )
    item.refresh_from_db()
    log.info("restore %s of backup %s into %s done", item.pk, item.backup_id, item.target_schema)
    return item


def _build_and_swap(item: Restore, progress: _RestoreProgress) -> None:
    # None only if the backup was deleted since the restore was asked for (retention),
    # which nothing here handles yet.
    backup: Backup = item.backup  # type: ignore[assignment]
    source = storage.storage_for(backup.storage, backup.location)
    with transaction.atomic():
        facts = restore.build(
            backup=backup,
            schema=item.staging_schema,
            files_dir=restore.media_dir(item.staging_schema),
            chunks=source.read(backup.key),
            report=progress,
        )
        progress("swap", 0, 1)
        if item.into_subdomain:
            restore.rewrite_file_paths(
                schema=item.staging_schema, old_prefix=backup.schema_name, new_prefix=item.target_schema
            )
            restore.rename(schema=item.staging_schema, to=item.target_schema)
            original = backup.tenant
            new = tenant_services.create_tenant_for_schema(
                schema_name=item.target_schema,
                subdomain=item.into_subdomain,
                company=original.company if original else backup.subdomain,
                owner_email=original.owner_email if original else "",
                seats=original.seats if original else 1,
                interval=original.billing_interval if original else Tenant.Interval.MONTH,
            )
            # The restore row is updated by the side connection during the build;
            # this one update happens at commit, after the side connection is done with it.
            transaction.on_commit(lambda: Restore.objects.filter(pk=item.pk).update(tenant=new))
        else:
            restore.swap(live=item.target_schema, staging=item.staging_schema, undo=item.undo_schema)
        if facts["structure"] == "spare":
            transaction.on_commit(_queue_pool_refill)


def _swap_committed(item: Restore) -> bool:
    """Whether an earlier attempt's transaction committed (the schema names tell)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname IN (%s, %s)",
            [item.staging_schema, item.undo_schema or item.target_schema],
        )
        present = {row[0] for row in cursor.fetchall()}
    if item.into_subdomain:
        return item.target_schema in present
    return item.undo_schema in present and item.staging_schema not in present


def _queue_pool_refill() -> None:
    from tenants.tasks import refill_spare_pool

    refill_spare_pool.delay()


class _RestoreProgress:
    """Progress written on the side connection, so the UI sees it while the
    restore's own transaction is still open."""

    def __init__(self, side: psycopg.Connection[Any] | None, restore_id: int, report: RestoreReport | None) -> None:
        self._side, self._id, self._report = side, restore_id, report

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._side is not None:
            self._side.execute(
                "UPDATE ops_restore SET stage = %s, progress_done = %s, progress_total = %s WHERE id = %s",
                [stage, done, total, self._id],
            )
        if self._report:
            self._report(stage, done, total)
