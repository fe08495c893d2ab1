"""Celery tasks of backups: thin over ops/backups/services.py; they take ids.

Celery runs with acks_late and reject_on_worker_lost (config/settings.py): a
worker killed mid-backup leaves its message unacknowledged and the broker
delivers it again; the sweep re-queues what is left running or pending anyway.
"""

import sentry_sdk
from celery import shared_task
from django.conf import settings

from ops.backups import services, verification
from ops.models import Backup


@shared_task(bind=True, max_retries=None, ignore_result=True)
def run_backup(self, backup_id):
    """Take one backup; retried with backoff while attempts < BACKUP_MAX_ATTEMPTS."""
    try:
        services.run_backup(backup_id=backup_id)
    except services.BackupBusy as exc:
        raise self.retry(exc=exc, countdown=300) from exc
    except Exception as exc:
        attempts = Backup.objects.filter(pk=backup_id).values_list("attempts", flat=True).first() or 0
        if attempts < settings.BACKUP_MAX_ATTEMPTS:
            raise self.retry(exc=exc, countdown=60 * 2**attempts) from exc
        sentry_sdk.capture_exception(exc)


@shared_task(ignore_result=True)
def run_restore(restore_id):
    """Restore once; a failure is reported to the admin (the restore says failed), not retried."""
    try:
        services.run_restore(restore_id=restore_id)
    except Exception as exc:
        sentry_sdk.capture_exception(exc)


@shared_task(ignore_result=True)
def dispatch_scheduled_backups():
    return services.dispatch_scheduled_backups()


@shared_task(ignore_result=True)
def sweep_backups():
    return services.sweep()


@shared_task(ignore_result=True)
def apply_retention_everywhere():
    return services.apply_retention_everywhere()


@shared_task(ignore_result=True)
def drop_expired_undo_schemas():
    return services.drop_expired_undo()


@shared_task(ignore_result=True)
def verify_backups():
    return verification.verify_sample(size=settings.BACKUP_VERIFY_SAMPLE)
