"""Nightly comparison of each subscription with Stripe. Stripe is the truth for
what is paid: drift is repaired from it, logged and reported to Sentry."""

import logging

import sentry_sdk

from billing import gateway, services
from billing.models import Subscription

log = logging.getLogger(__name__)


def reconcile_all():
    """Returns {"checked", "repaired", "errors"}."""
    result = {"checked": 0, "repaired": 0, "errors": 0}
    if not gateway.enabled():
        return result
    online = Subscription.objects.exclude(stripe_subscription_id="").select_related("tenant", "plan")
    for subscription in online.iterator():
        result["checked"] += 1
        try:
            drift = _drift(subscription, gateway.retrieve_subscription(subscription.stripe_subscription_id))
        except gateway.StripeUnavailable as exc:
            result["errors"] += 1
            log.warning("reconciliation: %s could not be read from Stripe: %s", subscription.tenant, exc)
            sentry_sdk.capture_message(f"billing reconciliation: {subscription.tenant} unreadable: {exc}")
            continue
        if drift:
            result["repaired"] += 1
            reason = "Reconciled with Stripe: " + "; ".join(drift)
            log.warning("billing drift for %s: %s", subscription.tenant, reason)
            sentry_sdk.capture_message(f"billing drift for {subscription.tenant}: {reason}", level="warning")
            services.refresh_from_stripe(subscription_id=subscription.stripe_subscription_id, reason=reason)
    return result


def _drift(subscription, state):
    drift = []
    if state["quantity"] != subscription.seats:
        drift.append(f"seats {subscription.seats} here, {state['quantity']} in Stripe")
    if services.STRIPE_STATUSES.get(state["status"]) != subscription.status:
        drift.append(f"status {subscription.status} here, {state['status']} in Stripe")
    if state["price_id"] and state["price_id"] != subscription.plan.stripe_price(subscription.interval):
        drift.append(
            f"price {subscription.plan.stripe_price(subscription.interval)} here, {state['price_id']} in Stripe"
        )
    if subscription.tenant.seats != state["quantity"]:
        drift.append(f"tenant seats {subscription.tenant.seats}, paid {state['quantity']}")
    return drift
