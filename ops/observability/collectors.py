"""Metrics read from the database when Prometheus scrapes, so they are never stale
and cost nothing between scrapes. Each is one or two queries on the public schema,
whatever the number of tenants.

A collector that cannot read (database down, a table not migrated yet) is left out
of that scrape and logged; /metrics itself still answers.
"""

import logging

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Max
from django.utils import timezone
from django_tenants.utils import get_public_schema_name
from prometheus_client.core import GaugeMetricFamily

from tenants.models import SpareSchema, Tenant

log = logging.getLogger(__name__)


class SparePoolCollector:
    """How many spare schemas wait for sign-ups, beside how many should."""

    def collect(self):
        try:
            with transaction.atomic():  # a failed read must not break the caller's transaction
                size = SpareSchema.objects.count()
        except DatabaseError as exc:
            log.warning("metrics: spare pool size unavailable: %s", exc)
            return
        yield GaugeMetricFamily(
            "crm_spare_schema_pool_size", "Spare schemas ready for sign-ups (tenants/provisioning.py).", value=size
        )
        yield GaugeMetricFamily(
            "crm_spare_schema_pool_target",
            "SPARE_SCHEMA_POOL_SIZE: how many spare schemas the pool is refilled to.",
            value=settings.SPARE_SCHEMA_POOL_SIZE,
        )


class BackupAgeCollector:
    """Seconds since each tenant's latest `done` backup; for a tenant never backed
    up, since it was created, so that one alert rule (age above a day and a bit)
    covers both. One series per tenant: thousands of series are fine for
    Prometheus, and this is the per-tenant view ops asked for.

    Reads ops.models.Backup (tenant, status, created_at) when that model exists;
    without it this metric is simply absent.
    """

    def collect(self):
        backup = _backup_model()
        if backup is None:
            return
        try:
            with transaction.atomic():
                rows = _last_backup_per_tenant(backup)
        except DatabaseError as exc:
            log.warning("metrics: backup age unavailable: %s", exc)
            return
        family = GaugeMetricFamily(
            "crm_tenant_backup_age_seconds",
            "Seconds since the tenant's latest done backup (since its creation when it has none).",
            labels=["tenant", "subdomain"],
        )
        now = timezone.now()
        for schema, subdomain, since in rows:
            family.add_metric([schema, subdomain], (now - since).total_seconds())
        yield family


def _backup_model():
    try:
        return apps.get_model("ops", "Backup")
    except LookupError:
        return None


def _last_backup_per_tenant(backup):
    done = getattr(getattr(backup, "Status", None), "DONE", "done")
    last_done = dict(
        backup.objects.filter(status=done).order_by().values_list("tenant_id").annotate(last=Max("created_at"))
    )
    tenants = (
        Tenant.objects.exclude(schema_name=get_public_schema_name())
        .order_by()
        .values_list("pk", "schema_name", "subdomain", "created_at")
    )
    return [(schema, subdomain, last_done.get(pk) or created_at) for pk, schema, subdomain, created_at in tenants]
