"""Suspending, deleting and purging tenants (ops commands and the daily task).

Deleting is in two steps so that a mistake can be undone: `schedule_deletion`
closes the tenant, takes its final backup and sets `delete_after`; only
`purge_due_deletions` (daily, Celery beat) drops the schema and files once that
time has passed. `unsuspend(cancel_deletion=True)` in between gives it back intact.
"""

import logging
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ops.lifecycle import final_backup
from ops.models import Backup
from ops.upgrades import locks
from tenants import services as tenant_services
from tenants.models import Tenant

log = logging.getLogger(__name__)

Lifecycle = Tenant.Lifecycle


class LifecycleRefused(Exception):
    """A change that would skip a step (reopening a tenant being deleted without saying so)."""


def suspend(*, tenant: Tenant) -> str:
    """Close `tenant` to its users (a notice on every request) without touching
    its data. A tenant being deleted stays so. Returns the previous lifecycle."""
    if tenant.lifecycle == Lifecycle.DELETING:
        return Lifecycle.DELETING
    return tenant_services.set_lifecycle(tenant_id=tenant.pk, lifecycle=Lifecycle.SUSPENDED)


def unsuspend(*, tenant: Tenant, cancel_deletion: bool = False) -> str:
    """Open `tenant` again. A tenant being deleted is only reopened with
    `cancel_deletion` (its schema is intact until the purge). Returns the previous lifecycle."""
    if tenant.lifecycle == Lifecycle.DELETING and not cancel_deletion:
        raise LifecycleRefused(
            f"{tenant.subdomain} is being deleted (schema dropped after {tenant.delete_after:%Y-%m-%d %H:%M} UTC); "
            "reopening it cancels that, say so with --cancel-deletion"
        )
    return tenant_services.set_lifecycle(tenant_id=tenant.pk, lifecycle=Lifecycle.ACTIVE)


def schedule_deletion(
    *, tenant: Tenant, grace: timedelta | None = None, now: datetime | None = None
) -> tuple[Backup, datetime]:
    """Close `tenant`, take its final backup, then mark it `deleting` until now +
    `grace` (default TENANT_DELETION_GRACE_DAYS). Returns (the Backup, delete_after).

    The tenant is suspended before the backup so that nothing written after it
    is lost. If the backup fails the tenant stays suspended, not scheduled for
    deletion, and the error propagates: run it again.
    """
    grace = timedelta(days=settings.TENANT_DELETION_GRACE_DAYS) if grace is None else grace
    suspend(tenant=tenant)
    backup = final_backup.take(tenant)
    delete_after = (now or timezone.now()) + grace
    tenant_services.set_lifecycle(tenant_id=tenant.pk, lifecycle=Lifecycle.DELETING, delete_after=delete_after)
    return backup, delete_after


def delete_now(*, tenant: Tenant) -> Backup:
    """Final backup, then drop the tenant at once, without the grace period."""
    backup, _ = schedule_deletion(tenant=tenant, grace=timedelta(0))
    purge(tenant_id=tenant.pk, now=timezone.now())
    return backup


def purge_due_deletions(*, now: datetime | None = None) -> list[str]:
    """Drop every tenant whose deletion grace has passed; returns their subdomains."""
    now = now or timezone.now()
    due = Tenant.objects.filter(lifecycle=Lifecycle.DELETING, delete_after__lte=now).values_list("pk", flat=True)
    return [subdomain for tenant_id in list(due) if (subdomain := purge(tenant_id=tenant_id, now=now))]


def purge(*, tenant_id: int, now: datetime) -> str | None:
    """Drop one tenant (schema, domains, row, files) if it is still due at `now`;
    returns its subdomain, or None when it was reopened meanwhile.

    Holds the schema's upgrade lock, so an upgrade run is never dropped midway;
    the files go after the commit, so a failed drop keeps them.
    """
    with transaction.atomic():
        tenant = (
            Tenant.objects.select_for_update()
            .filter(pk=tenant_id, lifecycle=Lifecycle.DELETING, delete_after__lte=now)
            .first()
        )
        if tenant is None:
            return None
        locks.lock_schema_for_transaction(tenant.schema_name)
        subdomain, schema_name = tenant.subdomain, tenant.schema_name
        tenant_services.delete_tenant(tenant)
    shutil.rmtree(Path(settings.MEDIA_ROOT) / schema_name, ignore_errors=True)
    log.info("tenant %s deleted: schema %s dropped", subdomain, schema_name)
    return subdomain
