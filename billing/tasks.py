"""Billing's Celery tasks. Those about all subscriptions run in the public
schema. Two live beside what queues them, so that the services never import
this module (it imports them): `email_tenant_admins` (billing/emails.py,
queued with the tenant's schema in its headers, so TenantTask runs it inside
that tenant) and `process_stripe_event` (billing/webhooks.py); both keep their
names here."""

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from billing import gateway, reconciliation, services
from billing.emails import email_tenant_admins
from billing.models import StripeEvent
from billing.webhooks import process_stripe_event
from tenants.models import Tenant

log = logging.getLogger(__name__)

__all__ = [
    "advance_dunning",
    "email_tenant_admins",
    "open_missing_subscriptions",
    "open_subscription",
    "process_stripe_event",
    "reconcile_subscriptions",
    "retry_unprocessed_events",
]


@shared_task(
    bind=True, autoretry_for=(gateway.StripeUnavailable,), retry_backoff=True, retry_backoff_max=600, max_retries=12
)
def open_subscription(self, tenant_id):
    services.open_subscription(tenant_id=tenant_id)


@shared_task
def open_missing_subscriptions():
    """Sign-ups whose subscription task was lost (broker down, worker killed)."""
    settled = timezone.now() - datetime.timedelta(minutes=2)
    missing = Tenant.objects.filter(subscription__isnull=True, created_at__lte=settled)
    if gateway.enabled():
        missing = missing | Tenant.objects.filter(subscription__stripe_subscription_id="", created_at__lte=settled)
    for tenant_id in missing.values_list("pk", flat=True).distinct():
        open_subscription.delay(tenant_id)


@shared_task
def retry_unprocessed_events():
    """Events still received or failed ten minutes on (a lost task, retries spent)."""
    stale = timezone.now() - datetime.timedelta(minutes=10)
    for pk in StripeEvent.objects.filter(
        status__in=[StripeEvent.Status.RECEIVED, StripeEvent.Status.FAILED], received_at__lte=stale, attempts__lt=20
    ).values_list("pk", flat=True):
        process_stripe_event.delay(pk)


@shared_task
def advance_dunning():
    return services.advance_dunning()


@shared_task
def reconcile_subscriptions():
    return reconciliation.reconcile_all()
