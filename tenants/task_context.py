"""The tenant context of Celery tasks: the one place a task's schema is set."""

import logging

from celery import Task
from celery.exceptions import Ignore
from django.db import connection

from tenants import time_zones

log = logging.getLogger(__name__)

HEADER = "tenant_schema"


class TenantTask(Task):
    """Runs a task in the schema of the code that queued it, or not at all.

    `apply_async` records the current schema in the message headers. Before the
    body runs the worker looks that schema's tenant up again; if it was deleted
    since, the task is dropped rather than run in public or in anyone else's
    schema (schema names are never reused, tenants/subdomains.py).
    """

    def apply_async(
        self, args=None, kwargs=None, task_id=None, producer=None, link=None, link_error=None, shadow=None, **options
    ):
        headers = dict(options.pop("headers", None) or {})
        headers.setdefault(HEADER, connection.schema_name)
        return super().apply_async(
            args, kwargs, task_id, producer, link, link_error, shadow, headers=headers, **options
        )

    def __call__(self, *args, **kwargs):
        schema = self._queued_schema()
        if schema in (None, "public"):
            connection.set_schema_to_public()
            return super().__call__(*args, **kwargs)

        from tenants.models import Tenant

        connection.set_schema_to_public()
        tenant = Tenant.objects.filter(schema_name=schema).first()
        if tenant is None:
            log.warning("dropping task %s: its tenant schema %s no longer exists", self.name, schema)
            raise Ignore()
        connection.set_tenant(tenant)
        try:
            # "Today" and local times of a task are the company's (tenants/time_zones.py).
            with time_zones.activated(tenant=tenant):
                return super().__call__(*args, **kwargs)
        finally:
            connection.set_schema_to_public()

    def _queued_schema(self):
        request = self.request
        headers = getattr(request, "headers", None) or {}
        # Some transports merge custom headers into the request itself.
        return headers.get(HEADER) or getattr(request, HEADER, None)
