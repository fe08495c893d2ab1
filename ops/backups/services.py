"""Backups and restores of tenants (docs/decisions/006-backups.md).

`request_*` functions record what was asked and queue the work after commit;
`run_*` functions do the work, synchronously, and are what the Celery tasks and
the ops commands call. Every run is safe to repeat: a finished one returns at
once, one running elsewhere (its advisory lock held) is left alone, and a run
killed midway is picked up again by the sweep.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import shutil
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.audit import services as audit
from crm.users.models import User
from ops.backups import database, restore, retention, selectors, snapshot, storage
from ops.backups.format import ArchiveWriter, default_codec
from ops.models import Backup, BackupPolicy, Restore
from tenants import services as tenant_services
from tenants import subdomains
from tenants.models import Tenant

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

# Progress callbacks of the ops commands: (done, total, what) of a backup, (stage, done, total) of a restore.
BackupReport = Callable[[int, int, str], None]
RestoreReport = Callable[[str, int, int], None]
# Who asked: a tenant's user, or what ops calls itself ("ops", "schedule").
Requester = User | str | None

# How long a backup waits for a restore of its tenant to finish, and the reverse.
TENANT_LOCK_WAIT_S = 15 * 60
# Failed backups stay listed this long, then go with retention.
FAILED_KEPT = timedelta(days=30)


class BackupBusy(Exception):
    """The tenant is being restored (or backed up, for a restore); try again later."""


class RestoreRefused(Exception):
    """A restore that cannot start: the backup is not finished, or one is already running."""


class BackupInProgress(Exception):
    """A manual backup asked for while one of the tenant's backups is pending or running."""

    def __str__(self) -> str:
        return _("A backup of this CRM is already pending or running. Wait for it to finish, then try again.")


class BackupLimitReached(Exception):
    """Too many manual backups in the last 24 hours (`BACKUP_MANUAL_PER_DAY`)."""

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(limit, retry_after)
        self.limit = limit
        self.retry_after = retry_after

    def __str__(self) -> str:
        again = timezone.now() + timedelta(seconds=self.retry_after)
        return ngettext(
            "This CRM has taken %(limit)d manual backup in the last 24 hours, the most allowed. "
            "Try again after %(time)s UTC; nightly backups continue meanwhile.",
            "This CRM has taken %(limit)d manual backups in the last 24 hours, the most allowed. "
            "Try again after %(time)s UTC; nightly backups continue meanwhile.",
            self.limit,
        ) % {"limit": self.limit, "time": again.strftime("%Y-%m-%d %H:%M")}


def _who(by: Requester) -> str:
    return getattr(by, "email", None) or (by if isinstance(by, str) else "ops")


def _audit(by: Requester, action: str, target: models.Model, payload: Mapping[str, Any] | None = None) -> None:
    # Tenant users act in their tenant's schema, where the audit log is; ops
    # (commands, schedules) leave their trace on the Backup/Restore row itself.
    # (django-tenants' backend adds schema_name; the stubs know Django's base wrapper only.)
    if isinstance(by, User) and by.pk and connection.schema_name != "public":  # type: ignore[attr-defined]
        audit.record(actor=by, action=action, target=target, payload=payload)


# ------------------------------------------------------------------ backups


MANUAL_WINDOW = timedelta(hours=24)


def request_backup(*, tenant: Tenant, by: Requester = None, kind: str = Backup.Kind.MANUAL) -> Backup:
    """Record a pending backup of `tenant` and queue it after commit. Returns the Backup.

    A manual one (what the API and the backups page ask for) is refused with
    BackupInProgress while any backup of the tenant is pending or running, and with
    BackupLimitReached after `BACKUP_MANUAL_PER_DAY` manual ones in 24 hours; the
    tenant row is locked meanwhile, so two requests at once cannot both pass.
    """
    with transaction.atomic():
        if kind == Backup.Kind.MANUAL:
            _check_manual_backup_allowed(tenant)
        backup = Backup.objects.create(
            tenant=tenant, schema_name=tenant.schema_name, subdomain=tenant.subdomain, kind=kind, requested_by=_who(by)
        )
        _audit(by, "backup.requested", backup)
        transaction.on_commit(lambda: _queue_backup(backup.pk))
    return backup


def _check_manual_backup_allowed(tenant: Tenant) -> None:
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
    mine = Backup.objects.filter(tenant=tenant)
    if mine.filter(status__in=(Backup.Status.PENDING, Backup.Status.RUNNING)).exists():
        raise BackupInProgress()
    now = timezone.now()
    recent = list(
        mine.filter(kind=Backup.Kind.MANUAL, created_at__gt=now - MANUAL_WINDOW)
        .exclude(requested_by="ops")
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    limit = settings.BACKUP_MANUAL_PER_DAY
    if len(recent) >= limit:
        # A slot frees when the oldest counted backup leaves the window.
        frees_at = recent[len(recent) - limit] + MANUAL_WINDOW
        raise BackupLimitReached(limit, max(1, int((frees_at - now).total_seconds())))


def _queue_backup(backup_id: int) -> None:
    from ops.backups.tasks import run_backup

    run_backup.delay(backup_id)


def take_backup(
    *, tenant: Tenant, by: Requester = "ops", kind: str = Backup.Kind.MANUAL, report: BackupReport | None = None
) -> Backup:
    """Back `tenant` up now, in this process (the ops command; the final backup of
    a tenant being deleted). Returns the Backup, done, or raises with it failed."""
    backup = Backup.objects.create(
        tenant=tenant, schema_name=tenant.schema_name, subdomain=tenant.subdomain, kind=kind, requested_by=_who(by)
    )
    return run_backup(backup_id=backup.pk, report=report)


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


# ------------------------------------------------------------------ restores


def request_restore(
    *, backup: Backup, by: Requester = None, into_subdomain: str | None = None, queue: bool = True
) -> Restore:
    """Record a restore of `backup` and (with `queue`) run it on a worker after commit.

    Into its own tenant: the tenant turns read-only at once (a banner says why)
    until the restore ends. With `into_subdomain`: a new tenant, the original
    untouched. Raises RestoreRefused (backup not finished, a restore already
    running) or ValidationError (`into` subdomain invalid or taken)."""
    if backup.status != Backup.Status.DONE:
        raise RestoreRefused(
            _("Only a finished backup can be restored; this one is %(status)s.") % {"status": backup.status}
        )
    if into_subdomain:
        into_subdomain = subdomains.normalize(into_subdomain)
        try:
            subdomains.validate(into_subdomain)
        except ValidationError as exc:
            raise ValidationError({"into": exc.messages}) from exc
        if selectors.tenant_for_subdomain(into_subdomain) is not None:
            raise ValidationError({"into": [_("This subdomain is already taken.")]})
        tenant, target = None, subdomains.schema_name_for(into_subdomain)
    else:
        tenant = backup.tenant
        if tenant is None:
            raise RestoreRefused(_("The tenant of this backup no longer exists; restore it into a new one."))
        target = tenant.schema_name
    token = secrets.token_hex(6)
    with transaction.atomic():
        if tenant is not None:
            locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
            if (
                locked.restoring
                or Restore.objects.filter(
                    tenant=tenant, status__in=[Restore.Status.PENDING, Restore.Status.RUNNING]
                ).exists()
            ):
                raise RestoreRefused(_("A restore of this CRM is already running."))
        item = Restore.objects.create(
            backup=backup,
            tenant=tenant,
            into_subdomain=into_subdomain or "",
            requested_by=_who(by),
            staging_schema=f"restore_{token}",
            target_schema=target,
            undo_schema="" if into_subdomain else f"undo_{token}",
        )
        if tenant is not None:
            tenant_services.set_restoring(tenant_id=tenant.pk, on=True)
        _audit(by, "backup.restore_requested", backup, {"restore": item.pk})
        if queue:
            transaction.on_commit(lambda: _queue_restore(item.pk))
    return item


def _queue_restore(restore_id: int) -> None:
    from ops.backups.tasks import run_restore

    run_restore.delay(restore_id)


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


def restore_into_new_tenant(
    *, backup: Backup, subdomain: str, by: Requester = "ops", report: RestoreReport | None = None
) -> Restore:
    """The ops command's `--into`: a new tenant from `backup`, in this process."""
    item = request_restore(backup=backup, by=by, into_subdomain=subdomain, queue=False)
    return run_restore(restore_id=item.pk, report=report)


def drop_expired_undo(*, now: datetime | None = None) -> int:
    """Drop the schemas (and files) replaced by restores once their undo time is over."""
    now = now or timezone.now()
    dropped = 0
    for item in Restore.objects.filter(undo_until__lte=now, undo_dropped_at__isnull=True).exclude(undo_schema=""):
        with transaction.atomic():
            restore.drop_schema(item.undo_schema)
            Restore.objects.filter(pk=item.pk).update(undo_dropped_at=now)
        shutil.rmtree(restore.media_dir(item.undo_schema), ignore_errors=True)
        dropped += 1
    return dropped


# ------------------------------------------------------------------ schedules and upkeep


def set_retention(*, tenant: Tenant, daily: int, weekly: int, monthly: int, by: Requester = None) -> BackupPolicy:
    """Set how many daily, weekly and monthly backups the tenant keeps, within
    retention.LIMITS (ValidationError naming the field otherwise)."""
    values = {"daily": daily, "weekly": weekly, "monthly": monthly}
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        low, high = retention.LIMITS[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors[name] = [_("Choose a number from %(low)s to %(high)s.") % {"low": low, "high": high}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy, _created = BackupPolicy.objects.update_or_create(
            tenant=tenant, defaults={"keep_daily": daily, "keep_weekly": weekly, "keep_monthly": monthly}
        )
        _audit(by, "backup.retention_changed", policy, values)
    return policy


def apply_retention(*, schema_name: str, policy: retention.Policy, now: datetime | None = None) -> list[int]:
    """Delete the backups of one tenant schema that `policy` does not keep, object
    first, then row; and failed backups older than FAILED_KEPT. Returns the ids deleted."""
    now = now or timezone.now()
    done = Backup.objects.filter(schema_name=schema_name, status=Backup.Status.DONE)
    doomed = retention.to_delete(done.values_list("pk", "created_at"), policy)
    for backup in Backup.objects.filter(pk__in=doomed):
        storage.storage_for(backup.storage, backup.location).delete(backup.key)
        backup.delete()
    failed = Backup.objects.filter(
        schema_name=schema_name, status=Backup.Status.FAILED, created_at__lt=now - FAILED_KEPT
    )
    doomed += list(failed.values_list("pk", flat=True))
    failed.delete()
    return doomed


def apply_retention_everywhere(*, now: datetime | None = None) -> int:
    """Retention for every schema with backups, deleted tenants' included (they
    keep their last ones by the default policy). Skips tenants being restored."""
    deleted = 0
    schemas = Backup.objects.values_list("schema_name", flat=True).distinct()
    for schema_name in schemas:
        tenant = Tenant.objects.filter(schema_name=schema_name).first()
        if tenant is not None and tenant.restoring:
            continue
        policy = selectors.retention_policy(tenant) if tenant else retention.Policy()
        deleted += len(apply_retention(schema_name=schema_name, policy=policy, now=now))
    return deleted


def nightly_slot(tenant: Tenant, window_start: datetime) -> datetime:
    """When in tonight's window this tenant is backed up: a fixed offset per tenant
    (from its schema name), so load spreads evenly and each tenant's time is stable."""
    window = max(1, settings.BACKUP_WINDOW_HOURS) * 3600
    offset = int.from_bytes(hashlib.sha256(tenant.schema_name.encode()).digest()[:4], "big") % window
    return window_start + timedelta(seconds=offset)


def dispatch_scheduled_backups(*, now: datetime | None = None) -> int:
    """Queue the nightly backup of every tenant whose slot in the current window
    has come and that has none from this window yet. Beat runs it every few
    minutes; running it twice queues nothing twice. Returns how many were queued."""
    now = now or timezone.now()
    start = now.replace(hour=settings.BACKUP_WINDOW_START_HOUR, minute=0, second=0, microsecond=0)
    if start > now:
        start -= timedelta(days=1)
    if now >= start + timedelta(hours=settings.BACKUP_WINDOW_HOURS):
        return 0
    done_tonight = set(
        Backup.objects.filter(kind=Backup.Kind.SCHEDULED, created_at__gte=start).values_list("tenant_id", flat=True)
    )
    queued = 0
    for tenant in Tenant.objects.exclude(schema_name="public").exclude(lifecycle=Tenant.Lifecycle.DELETING):
        if tenant.pk in done_tonight or nightly_slot(tenant, start) > now:
            continue
        request_backup(tenant=tenant, by="schedule", kind=Backup.Kind.SCHEDULED)
        queued += 1
    return queued


def sweep(*, now: datetime | None = None) -> int:
    """Re-queue backups and restores whose worker died (pending or running for
    BACKUP_STALE_MINUTES with no session holding their lock); give up on backups
    after BACKUP_MAX_ATTEMPTS; abort multipart uploads abandoned for a day."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=settings.BACKUP_STALE_MINUTES)
    requeued = 0
    stuck = Backup.objects.filter(status__in=[Backup.Status.PENDING, Backup.Status.RUNNING], created_at__lt=stale)
    for backup in stuck.exclude(started_at__gte=stale):
        if database.is_locked(database.LOCK_BACKUP, backup.pk):
            continue
        if backup.attempts >= settings.BACKUP_MAX_ATTEMPTS:
            Backup.objects.filter(pk=backup.pk).update(
                status=Backup.Status.FAILED,
                finished_at=now,
                error=backup.error or f"gave up after {backup.attempts} attempts (worker lost)",
            )
            continue
        Backup.objects.filter(pk=backup.pk).update(status=Backup.Status.PENDING)
        _queue_backup(backup.pk)
        requeued += 1
    stuck_restores = Restore.objects.filter(
        status__in=[Restore.Status.PENDING, Restore.Status.RUNNING], created_at__lt=stale
    )
    for item in stuck_restores.exclude(started_at__gte=stale):
        if not database.is_locked(database.LOCK_RESTORE, item.pk):
            _queue_restore(item.pk)
            requeued += 1
    storage.default_storage().abort_stale_uploads(older_than=now - timedelta(days=1))
    return requeued
