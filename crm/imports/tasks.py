from celery import shared_task

from crm.imports import services
from crm.imports.models import ImportJob


@shared_task(ignore_result=True)
def run_import(job_id: int) -> None:
    """In the uploader's tenant schema (TenantTask): the real run of one import job."""
    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).select_related("created_by").first()
    if job is not None:
        services.run_job(job)
