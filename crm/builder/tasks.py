from celery import shared_task

from crm.builder import services
from tenants.fanout import for_each_tenant


@shared_task(ignore_result=True)
def purge_deleted() -> list[str]:
    """In one tenant's schema (TenantTask): drop the columns and tables of fields
    and objects deleted longer ago than BUILDER_DELETE_GRACE_DAYS."""
    return services.purge_deleted()


@shared_task(ignore_result=True)
def purge_deleted_everywhere() -> int:
    """Daily from beat, in the public schema: one purge_deleted per tenant."""
    return for_each_tenant(purge_deleted)
