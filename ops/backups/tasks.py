"""Celery tasks of backups: thin over ops/backups/services.py; they take ids.
The two the services queue, run_backup and run_restore, live in
ops/backups/run_tasks.py (named here too), so that the services never import
this module."""

from celery import shared_task
from django.conf import settings

from ops.backups import services, verification
from ops.backups.run_tasks import run_backup, run_restore

__all__ = [
    "apply_retention_everywhere",
    "dispatch_scheduled_backups",
    "drop_expired_undo_schemas",
    "run_backup",
    "run_restore",
    "sweep_backups",
    "verify_backups",
]


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
