from django.http import Http404

from crm.access import scope
from crm.imports.models import ImportJob


def import_job_get_for_user(user, pk):
    """A job `user` started (or any, for roles that see everything); Http404 otherwise."""
    jobs = ImportJob.objects.select_related("created_by")
    if not scope.sees_everything(user):
        jobs = jobs.filter(created_by=user)
    try:
        return jobs.get(pk=pk)
    except (ImportJob.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404
