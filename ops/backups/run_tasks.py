"""The Celery tasks that run one backup or one restore, queued by
ops.backups.services after commit. Their own module, which imports only the
runs (ops/backups/runs.py), so that the services can queue them without
importing ops.backups.tasks (which imports the services); they keep their
names there.

Celery runs with acks_late and reject_on_worker_lost (config/settings.py): a
worker killed mid-backup leaves its message unacknowledged and the broker
delivers it again; the sweep re-queues what is left running or pending anyway.
"""

import sentry_sdk
from celery import shared_task
from django.conf import settings

from ops.backups import runs
from ops.models import Backup


@shared_task(bind=True, max_retries=None, ignore_result=True, name="ops.backups.tasks.run_backup")
def run_backup(self, backup_id):
    """Take one backup; retried with backoff while attempts < BACKUP_MAX_ATTEMPTS."""
    try:
        runs.run_backup(backup_id=backup_id)
    except runs.BackupBusy as exc:
        raise self.retry(exc=exc, countdown=300) from exc
    except Exception as exc:
        attempts = Backup.objects.filter(pk=backup_id).values_list("attempts", flat=True).first() or 0
        if attempts < settings.BACKUP_MAX_ATTEMPTS:
            raise self.retry(exc=exc, countdown=60 * 2**attempts) from exc
        sentry_sdk.capture_exception(exc)


@shared_task(ignore_result=True, name="ops.backups.tasks.run_restore")
def run_restore(restore_id):
    """Restore once; a failure is reported to the admin (the restore says failed), not retried."""
    try:
        runs.run_restore(restore_id=restore_id)
    except Exception as exc:
        sentry_sdk.capture_exception(exc)
