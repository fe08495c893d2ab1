"""Stripe webhooks: each event stored once by its id, then handled by one
function per type (ARCHITECTURE.md, habit 14). Handlers re-read the
subscription from Stripe instead of trusting the event's copy."""

import logging

from celery import shared_task
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import gateway, services
from billing.models import StripeEvent, Subscription

log = logging.getLogger(__name__)


def record_event(*, payload, signature):
    """Verify and store an event. Returns (event, created); a replay returns the
    stored row with created=False and queues nothing. Raises ValueError for a
    payload that is not a correctly signed Stripe event."""
    data = gateway.parse_event(payload, signature)
    status = StripeEvent.Status.RECEIVED if data["type"] in HANDLERS else StripeEvent.Status.IGNORED
    try:
        with transaction.atomic():
            event = StripeEvent.objects.create(event_id=data["id"], type=data["type"], payload=data, status=status)
    except IntegrityError:
        return StripeEvent.objects.get(event_id=data["id"]), False
    if status == StripeEvent.Status.RECEIVED:
        transaction.on_commit(lambda: process_stripe_event.delay(event.pk))
    return event, True


def process_event(event_pk):
    """Handle a stored event once. A handler's failure leaves it `failed` with the
    error and is re-raised, so the task retries; a processed event is never handled again."""
    failure = None
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().get(pk=event_pk)
        if event.status not in (StripeEvent.Status.RECEIVED, StripeEvent.Status.FAILED):
            return event.status
        event.attempts += 1
        try:
            # A savepoint: the handler's writes go, the failure record stays.
            with transaction.atomic():
                HANDLERS[event.type](event.payload["data"]["object"])
        except Exception as exc:
            failure = exc
            event.status = StripeEvent.Status.FAILED
            event.error = f"{type(exc).__name__}: {exc}"[:2000]
            log.warning("stripe event %s (%s) failed: %s", event.event_id, event.type, exc)
        else:
            event.status = StripeEvent.Status.PROCESSED
            event.error = ""
            event.processed_at = timezone.now()
        event.save(update_fields=["status", "error", "attempts", "processed_at"])
    if failure is not None:
        raise failure
    return event.status


def _subscription_id(obj):
    value = obj.get("subscription")
    if isinstance(value, dict):
        return value.get("id")
    if value:
        return value
    # Newer API versions nest it under parent.subscription_details.
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    return details.get("subscription")


def _subscription_changed(obj):
    services.refresh_from_stripe(subscription_id=obj["id"], reason=_("Stripe: subscription changed"))


def _subscription_deleted(obj):
    services.refresh_from_stripe(subscription_id=obj["id"], reason=_("Stripe: subscription ended"))


def _trial_will_end(obj):
    subscription = Subscription.objects.select_related("tenant").filter(stripe_subscription_id=obj["id"]).first()
    if subscription is None:
        return
    ends = subscription.trial_ends_at.strftime("%Y-%m-%d") if subscription.trial_ends_at else ""
    services.notify_admins(
        tenant=subscription.tenant,
        subject="Your CRM trial ends soon",
        message=f"The trial ends on {ends}. Add a payment method on the billing page to keep full access.",
    )


def _invoice_paid(obj):
    subscription_id = _subscription_id(obj)
    if subscription_id:
        services.refresh_from_stripe(subscription_id=subscription_id, reason=_("Stripe: invoice paid"))


def _invoice_payment_failed(obj):
    subscription_id = _subscription_id(obj)
    if subscription_id:
        services.refresh_from_stripe(subscription_id=subscription_id, reason=_("Stripe: payment failed"))


def _invoice_action_required(obj):
    subscription = Subscription.objects.select_related("tenant").filter(stripe_customer_id=obj.get("customer")).first()
    if subscription is None:
        return
    services.notify_admins(
        tenant=subscription.tenant,
        subject="A payment for your CRM needs your confirmation",
        message=f"Your bank asks you to confirm a payment: {obj.get('hosted_invoice_url') or 'see the billing page'}",
    )


def _checkout_completed(obj):
    if obj.get("mode") == "setup":
        intent = obj.get("setup_intent")
        services.record_payment_method(
            customer_id=obj.get("customer"), setup_intent_id=intent.get("id") if isinstance(intent, dict) else intent
        )


HANDLERS = {
    "checkout.session.completed": _checkout_completed,
    "customer.subscription.created": _subscription_changed,
    "customer.subscription.updated": _subscription_changed,
    "customer.subscription.deleted": _subscription_deleted,
    "customer.subscription.trial_will_end": _trial_will_end,
    "invoice.paid": _invoice_paid,
    "invoice.payment_succeeded": _invoice_paid,
    "invoice.payment_failed": _invoice_payment_failed,
    "invoice.payment_action_required": _invoice_action_required,
}


# Here rather than in billing.tasks (which imports this module): record_event queues it.
@shared_task(bind=True, max_retries=8, name="billing.tasks.process_stripe_event")
def process_stripe_event(self, event_pk):
    try:
        process_event(event_pk)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc
