"""The plan catalog: defined in settings (BILLING_PLANS), kept as Plan rows and,
when billing is online, as Stripe prices with deterministic ids."""

from django.conf import settings
from django.db import transaction

from billing import gateway
from billing.models import Plan
from tenants.models import Tenant


def price_id(plan, interval):
    """Stripe prices cannot change amount: the id names the amount, so a new price is a new id."""
    return f"crm-{plan.code}-{interval}-{plan.amount(interval)}-{plan.currency.lower()}"


@transaction.atomic
def sync_catalog(*, with_stripe=None):
    """Make Plan rows match BILLING_PLANS and, online, create missing Stripe prices.
    Idempotent: a second run changes nothing. Returns the plans."""
    with_stripe = gateway.enabled() if with_stripe is None else with_stripe
    plans = []
    for code, spec in settings.BILLING_PLANS.items():
        plan, _created = Plan.objects.update_or_create(
            code=code,
            defaults={
                "name": spec["name"],
                "currency": spec["currency"].upper(),
                "month_amount": spec["month"],
                "year_amount": spec["year"],
                "is_active": True,
            },
        )
        if with_stripe:
            for interval in Tenant.Interval.values:
                stripe_id = gateway.ensure_price(
                    price_id=price_id(plan, interval),
                    product_name=f"CRM {plan.name}",
                    amount=plan.amount(interval),
                    currency=plan.currency,
                    interval=interval,
                )
                setattr(plan, f"stripe_{interval}_price", stripe_id)
            plan.save(update_fields=["stripe_month_price", "stripe_year_price"])
        plans.append(plan)
    Plan.objects.exclude(code__in=settings.BILLING_PLANS).update(is_active=False)
    return plans


def plan_for(code):
    """An active plan; the catalog is written first if it was never synced."""
    plan = Plan.objects.filter(code=code, is_active=True).first()
    if plan is None and code in settings.BILLING_PLANS:
        sync_catalog(with_stripe=False)
        plan = Plan.objects.filter(code=code, is_active=True).first()
    return plan


def default_plan(currency=None):
    """The plan a subscription opens on when its tenant chose none: the default of
    `currency` (BILLING_DEFAULT_PLANS), else BILLING_DEFAULT_PLAN."""
    if currency:
        code = settings.BILLING_DEFAULT_PLANS.get(currency.lower())
        plan = plan_for(code) if code else None
        if plan is not None:
            return plan
    return plan_for(settings.BILLING_DEFAULT_PLAN)


def plan_for_tenant(tenant):
    """The plan the tenant chose at sign-up, else its currency's default."""
    return (plan_for(tenant.plan) if tenant.plan else None) or default_plan(tenant.currency)


def stripe_price(plan, interval):
    """The plan's Stripe price for `interval`, created on first use."""
    current = plan.stripe_price(interval)
    if current == price_id(plan, interval):
        return current
    sync_catalog(with_stripe=True)
    plan.refresh_from_db()
    return plan.stripe_price(interval)
