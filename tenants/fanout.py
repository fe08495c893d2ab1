"""Queueing one task per tenant, for periodic jobs that beat starts once in the public schema."""

from typing import Any

from celery import Task
from django.db import connection
from django_tenants.utils import get_public_schema_name, tenant_context

from tenants.models import Tenant


def for_each_tenant(task: Task, *args: Any, **kwargs: Any) -> int:
    """Queue `task.delay(*args, **kwargs)` once in each tenant's schema; returns how many.

    Only the queueing happens here: TenantTask records the current schema in the
    message, and the worker sets it again before the body runs (tenants/task_context.py).
    """
    if connection.schema_name != get_public_schema_name():  # type: ignore[attr-defined]  # django-tenants' backend
        raise RuntimeError("for_each_tenant must run in the public schema")
    queued = 0
    for tenant in Tenant.objects.exclude(schema_name=get_public_schema_name()).order_by("pk").iterator():
        with tenant_context(tenant):
            task.delay(*args, **kwargs)
        queued += 1
    return queued
