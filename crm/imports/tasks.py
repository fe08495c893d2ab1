from celery import shared_task

from crm.imports import services
from crm.imports.models import ImportJob
from tenants.fanout import for_each_tenant


@shared_task(ignore_result=True)
def run_import(job_id: int) -> None:
    """In the uploader's tenant schema (TenantTask): the real run of one import job."""
    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).select_related("created_by").first()
    if job is not None:
        services.run_job(job)


@shared_task(ignore_result=True)
def sweep_stale_imports() -> int:
    """In one tenant's schema (TenantTask): running imports whose worker died, failed with their counts."""
    return services.fail_stale_jobs()


@shared_task(ignore_result=True)
def sweep_stale_imports_everywhere() -> int:
    """Every 5 minutes from beat, in the public schema: one sweep_stale_imports per tenant."""
    return for_each_tenant(sweep_stale_imports)
