from celery import shared_task

from crm.activities import services
from tenants.fanout import for_each_tenant


@shared_task(ignore_result=True)
def deliver_reminders() -> int:
    """In one tenant's schema (TenantTask): send that tenant's due task reminders, each once."""
    return services.deliver_due_reminders()


@shared_task(ignore_result=True)
def deliver_reminders_everywhere() -> int:
    """Every minute from beat, in the public schema: one deliver_reminders per tenant."""
    return for_each_tenant(deliver_reminders)
