from celery import shared_task

from crm.approvals import services
from tenants.fanout import for_each_tenant


@shared_task(ignore_result=True)
def sweep_approvals() -> dict[str, int]:
    """In one tenant's schema (TenantTask): tasks of deactivated approvers go to
    who takes over, then approvers of tasks waiting too long are reminded."""
    return {
        "handed_over": services.hand_over_from_inactive_approvers(),
        "reminded": services.remind_waiting_approvers(),
    }


@shared_task(ignore_result=True)
def sweep_approvals_everywhere() -> int:
    """Every 10 minutes from beat, in the public schema: one sweep_approvals per tenant."""
    return for_each_tenant(sweep_approvals)
