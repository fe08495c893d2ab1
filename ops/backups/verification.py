"""The weekly proof that backups restore: the latest backup of a sample of
tenants is restored into a scratch schema exactly as a real restore would
(structure from migrations, load, row counts and checksums against the
manifest, migrate forward), and then rolled back, which drops the scratch
schema with everything in it. Failures go to Sentry."""

import logging
import secrets
import tempfile
from pathlib import Path

import sentry_sdk
from django.db import transaction
from django.utils import timezone

from ops.backups import restore, selectors, storage
from ops.models import Backup
from tenants.models import Tenant

log = logging.getLogger(__name__)


def verify_backup(backup):
    """Restore `backup` into a scratch schema and throw it away. Records the
    outcome on the backup; returns None when it restored, else the error text."""
    scratch = f"verify_{secrets.token_hex(6)}"
    error = None
    try:
        source = storage.storage_for(backup.storage, backup.location)
        with tempfile.TemporaryDirectory(prefix="crm-verify-") as folder, transaction.atomic():
            restore.build(
                backup=backup, schema=scratch, files_dir=Path(folder) / "files", chunks=source.read(backup.key)
            )
            # Rolling back drops the scratch schema (and gives back a spare it took).
            transaction.set_rollback(True)
    except Exception as exc:  # every failure is a finding, reported and recorded
        error = f"{type(exc).__name__}: {exc}"[:4000]
        with sentry_sdk.new_scope() as scope:
            scope.set_tag("tenant", backup.subdomain)
            scope.set_extra("backup_id", backup.pk)
            sentry_sdk.capture_exception(exc)
        log.error("backup %s of %s failed verification: %s", backup.pk, backup.subdomain, error)
    Backup.objects.filter(pk=backup.pk).update(verified_at=timezone.now(), verification_error=error or "")
    return error


def verify_sample(*, size):
    """Verify the latest finished backup of `size` tenants picked at random.
    Returns {subdomain: error or None}."""
    outcome = {}
    with_backups = Backup.objects.filter(status=Backup.Status.DONE, tenant__isnull=False).values("tenant_id")
    for tenant in Tenant.objects.filter(pk__in=with_backups).order_by("?")[:size]:
        backup = selectors.latest_done_backup(tenant)
        if backup is not None:
            outcome[tenant.subdomain] = verify_backup(backup)
    failed = {name: error for name, error in outcome.items() if error}
    if failed:
        sentry_sdk.capture_message(
            f"backup verification failed for {len(failed)} of {len(outcome)} tenants: " + ", ".join(sorted(failed)),
            level="error",
        )
    return outcome
