"""Billing's one signal receiver: it only queues the task that opens the
subscription (the work is in billing.services.open_subscription)."""

from django.dispatch import receiver

from tenants.signals import tenant_created


@receiver(tenant_created, dispatch_uid="billing-open-subscription")
def queue_subscription(sender, tenant_id, **kwargs):
    from billing.tasks import open_subscription

    open_subscription.delay(tenant_id)
