"""Backups and restores of tenants (docs/decisions/006-backups.md).

`request_*` functions record what was asked and queue the work after commit;
`run_*` functions (ops/backups/runs.py, named here too) do the work,
synchronously, and are what the Celery tasks and the ops commands call. Every
run is safe to repeat: a finished one returns at once, one running elsewhere
(its advisory lock held) is left alone, and a run killed midway is picked up
again by the sweep.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import shutil
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.audit import services as audit
from crm.users.models import User
from ops.backups import database, restore, retention, run_tasks, selectors, storage

# The runs are part of this module's interface (the ops commands and the tests call them here).
from ops.backups.runs import BackupBusy as BackupBusy
from ops.backups.runs import BackupReport as BackupReport
from ops.backups.runs import RestoreReport as RestoreReport
from ops.backups.runs import run_backup as run_backup
from ops.backups.runs import run_restore as run_restore
from ops.models import Backup, BackupPolicy, Restore
from tenants import services as tenant_services
from tenants import subdomains
from tenants.models import Tenant

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

# Who asked: a tenant's user, or what ops calls itself ("ops", "schedule").
Requester = User | str | None

# Failed backups stay listed this long, then go with retention.
FAILED_KEPT = timedelta(days=30)


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
    run_tasks.run_backup.delay(backup_id)


def take_backup(
    *, tenant: Tenant, by: Requester = "ops", kind: str = Backup.Kind.MANUAL, report: BackupReport | None = None
) -> Backup:
    """Back `tenant` up now, in this process (the ops command; the final backup of
    a tenant being deleted). Returns the Backup, done, or raises with it failed."""
    backup = Backup.objects.create(
        tenant=tenant, schema_name=tenant.schema_name, subdomain=tenant.subdomain, kind=kind, requested_by=_who(by)
    )
    return run_backup(backup_id=backup.pk, report=report)


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
    run_tasks.run_restore.delay(restore_id)


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
