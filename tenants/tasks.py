from celery import shared_task

from tenants import provisioning


@shared_task(ignore_result=True)
def refill_spare_pool() -> int:
    """Keep SPARE_SCHEMA_POOL_SIZE current spare schemas ready (after each sign-up and every minute)."""
    return provisioning.fill_pool()
