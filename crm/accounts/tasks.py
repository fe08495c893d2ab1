from celery import shared_task

from crm.accounts import pool
from tenants.fanout import for_each_tenant


@shared_task(ignore_result=True)
def auto_release_accounts() -> int:
    """In one tenant's schema (TenantTask): send accounts nobody followed up or sold to back to the pool."""
    return pool.auto_release()


@shared_task(ignore_result=True)
def auto_release_accounts_everywhere() -> int:
    """Nightly from beat, in the public schema: one auto_release_accounts per tenant."""
    return for_each_tenant(auto_release_accounts)
