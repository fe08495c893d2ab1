"""Billing reads."""

from typing import Any

from django.conf import settings
from django.db.models import Sum

from billing import gateway
from billing.models import BillingTransition, Plan, Subscription
from crm.users.services import seats_used
from tenants.models import Tenant


def subscription_for(tenant: Tenant) -> Subscription | None:
    return Subscription.objects.select_related("plan").filter(tenant=tenant).first()


def subscription_summary(tenant: Tenant) -> dict[str, Any]:
    """GET /billing/subscription/ (CONTRACT.md), in the tenant's context."""
    subscription = subscription_for(tenant)
    return {
        "plan": subscription.plan.code if subscription else (tenant.plan or settings.BILLING_DEFAULT_PLAN),
        "interval": subscription.interval if subscription else tenant.billing_interval,
        "seats": tenant.seats,
        "seats_used": seats_used(),
        "status": tenant.status,
        "current_period_end": (subscription.current_period_end or subscription.trial_ends_at)
        if subscription
        else tenant.trial_ends_at,
        "cancel_at_period_end": bool(subscription and subscription.cancel_at_period_end),
        "online": bool(subscription and subscription.is_online),
    }


def active_plans(currency: str | None = None) -> list[Plan]:
    """The catalog's plans, only those billed in `currency` (any case) when given."""
    plans = Plan.objects.filter(is_active=True)
    if currency:
        plans = plans.filter(currency__iexact=currency)
    return list(plans)


def transitions_for(tenant: Tenant, limit: int = 20) -> list[BillingTransition]:
    return list(BillingTransition.objects.filter(tenant=tenant)[:limit])


def upcoming_invoice(subscription: Subscription | None) -> dict[str, Any] | None:
    if not (subscription and subscription.is_online):
        return None
    try:
        return gateway.upcoming_invoice(
            customer_id=subscription.stripe_customer_id, subscription_id=subscription.stripe_subscription_id
        )
    except gateway.StripeUnavailable:
        return None


def invoice_history(subscription: Subscription | None) -> list[dict[str, Any]]:
    if not (subscription and subscription.stripe_customer_id and gateway.enabled()):
        return []
    try:
        return gateway.invoices(customer_id=subscription.stripe_customer_id)
    except gateway.StripeUnavailable:
        return []


def revenue_totals() -> dict[str, dict[str, float]]:
    """MRR and ARR over paying subscriptions, per currency, in major units."""
    totals: dict[str, float] = {}
    for subscription in Subscription.objects.select_related("plan"):
        monthly = subscription.monthly_amount()
        if monthly:
            currency = subscription.plan.currency
            totals[currency] = totals.get(currency, 0) + monthly
    return {
        currency: {"mrr": round(amount / 100, 2), "arr": round(amount * 12 / 100, 2)}
        for currency, amount in sorted(totals.items())
    }


def seats_total() -> int:
    return Subscription.objects.aggregate(total=Sum("seats"))["total"] or 0
