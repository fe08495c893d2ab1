from celery import shared_task

from crm.deals import services
from tenants.fanout import for_each_tenant


@shared_task(ignore_result=True)
def reactivate_paused_deals() -> int:
    """In one tenant's schema (TenantTask): deals whose pause has ended go back to the pipeline."""
    return services.reactivate_due_deals()


@shared_task(ignore_result=True)
def reactivate_paused_deals_everywhere() -> int:
    """Daily from beat, in the public schema: one reactivate_paused_deals per tenant."""
    return for_each_tenant(reactivate_paused_deals)
