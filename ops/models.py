"""Ops records, in the public schema: tenant backups, restores and each tenant's
backup retention (docs/decisions/006-backups.md)."""

from django.db import models
from django.utils import timezone

from tenants.models import Tenant


class Backup(models.Model):
    """One backup of one tenant: its schema's rows, its files and a manifest,
    encrypted into a single object in the backup storage. `done` only once the
    object is stored and read back with the same checksum."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled"
        MANUAL = "manual"
        FINAL = "final"

    # SET_NULL: a deleted tenant's backups outlive it (its final backup above all).
    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.SET_NULL, related_name="backups")
    schema_name = models.CharField(max_length=63)
    subdomain = models.CharField(max_length=63)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # E-mail of the tenant admin who asked, or "ops" / "schedule".
    requested_by = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # Where the object is: "s3" and the bucket, or "local" and the folder. Kept per
    # backup so a change of BACKUP_BUCKET leaves older backups readable.
    storage = models.CharField(max_length=10, blank=True)
    location = models.CharField(max_length=500, blank=True)
    key = models.CharField(max_length=500, blank=True)
    # Of the stored (compressed, encrypted) object.
    size = models.BigIntegerField(null=True, blank=True)
    checksum = models.CharField(max_length=64, blank=True)
    manifest = models.JSONField(default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    # The weekly verification restores a sample of backups into scratch schemas.
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status", "created_at"], name="ops_backup_tenant_status"),
            models.Index(fields=["status", "started_at"], name="ops_backup_status_started"),
        ]

    def __str__(self) -> str:
        return f"backup {self.pk} of {self.subdomain} ({self.status})"


class Restore(models.Model):
    """A backup put back: into its own tenant (swapping schemas, the old one kept
    as an undo for a while) or, with `into_subdomain`, into a new tenant."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    backup = models.ForeignKey(Backup, null=True, on_delete=models.SET_NULL, related_name="restores")
    # The tenant restored into: the backup's own, or the one made for `into_subdomain`.
    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.SET_NULL, related_name="restores")
    into_subdomain = models.CharField(max_length=63, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    stage = models.CharField(max_length=40, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    requested_by = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # Chosen when the restore is asked for, so that a retry after a crash can
    # tell from the schemas that exist whether the swap had committed.
    staging_schema = models.CharField(max_length=63)
    # The schema name the restored data ends up under: the tenant's own, or the new tenant's.
    target_schema = models.CharField(max_length=63)
    undo_schema = models.CharField(max_length=63, blank=True)
    undo_until = models.DateTimeField(null=True, blank=True)
    undo_dropped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"restore {self.pk} of backup {self.backup_id} ({self.status})"


class BackupPolicy(models.Model):
    """How many backups a tenant keeps (ops/backups/retention.py has the limits)."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="backup_policy")
    keep_daily = models.PositiveSmallIntegerField(default=7)
    keep_weekly = models.PositiveSmallIntegerField(default=4)
    keep_monthly = models.PositiveSmallIntegerField(default=12)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.tenant}: {self.keep_daily}d/{self.keep_weekly}w/{self.keep_monthly}m"


class TenantUpgrade(models.Model):
    """Where `manage.py upgrade` stands with one tenant (docs/decisions/007-upgrades.md).

    One row per tenant, for the latest run: `target` is the fingerprint of the
    migrations that run brought it to, so a re-run skips rows `done` or `skipped`
    at the same target without looking into their schema.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"
        # Nothing was pending for this target.
        SKIPPED = "skipped"

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="upgrade")
    target = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Tries at this target; starts again at 0 when the target changes.
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # The migrations the last successful try applied, as "app.name".
    applied = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [models.Index(fields=["target", "status"], name="ops_upgrade_target_status")]

    def __str__(self) -> str:
        return f"upgrade of {self.tenant_id} to {self.target[:12]} ({self.status})"
