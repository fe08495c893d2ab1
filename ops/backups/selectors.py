"""Reads of backups and restores, always scoped to one tenant (or to ops)."""

from django.db.models import QuerySet
from django.http import Http404

from ops.backups import retention
from ops.models import Backup, BackupPolicy, Restore
from tenants.models import Tenant


def backups_of(tenant: Tenant) -> QuerySet[Backup]:
    """The tenant's backups, newest first, whatever their status."""
    return Backup.objects.filter(tenant=tenant).order_by("-created_at", "-id")


def backup_get_for_tenant(tenant: Tenant, backup_id: int | str) -> Backup:
    """One of the tenant's backups; another tenant's or a missing one is the same 404."""
    backup = Backup.objects.filter(tenant=tenant, pk=backup_id).first()
    if backup is None:
        raise Http404
    return backup


def backup_for_ops(backup_id: int) -> Backup | None:
    return Backup.objects.select_related("tenant").filter(pk=backup_id).first()


def backups_for_subdomain(subdomain: str) -> QuerySet[Backup]:
    """Backups taken of the tenant with this subdomain, including those of a deleted tenant."""
    return Backup.objects.filter(subdomain=subdomain).order_by("-created_at", "-id")


def restorable_backups(tenant: Tenant) -> QuerySet[Backup]:
    """Only finished backups: a failed or half-made one is never offered."""
    return backups_of(tenant).filter(status=Backup.Status.DONE)


def latest_done_backup(tenant: Tenant) -> Backup | None:
    return restorable_backups(tenant).first()


def restores_of(tenant: Tenant) -> QuerySet[Restore]:
    """Restores into the tenant itself (not copies made from its backups with --into)."""
    return (
        Restore.objects.filter(tenant=tenant, into_subdomain="").select_related("backup").order_by("-created_at", "-id")
    )


def retention_policy(tenant: Tenant) -> retention.Policy:
    """The tenant's retention as a retention.Policy (the defaults when never set)."""
    row = BackupPolicy.objects.filter(tenant=tenant).first()
    if row is None:
        return retention.Policy()
    return retention.Policy(daily=row.keep_daily, weekly=row.keep_weekly, monthly=row.keep_monthly)


def tenant_for_subdomain(subdomain: str) -> Tenant | None:
    return Tenant.objects.filter(subdomain=subdomain).first()
