from celery import shared_task

from ops.lifecycle import services


@shared_task(ignore_result=True)
def purge_deleted_tenants():
    """Daily: drop the tenants whose deletion grace period has passed."""
    return services.purge_due_deletions()
