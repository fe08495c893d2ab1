"""Billing writes: subscriptions, seats, interval, cancel, and the access status
billing pushes onto the tenant (docs/decisions/005-billing.md)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import catalog, gateway
from billing.emails import email_tenant_admins
from billing.models import BillingTransition, Subscription
from crm.users.services import seats_used
from tenants import services as tenant_services
from tenants.models import Tenant

if TYPE_CHECKING:
    from billing.models import Plan

log = logging.getLogger(__name__)

MAX_SEATS = 10000


def _key(tenant: Tenant) -> str:
    """Idempotency keys name the tenant's schema, which is never reused."""
    return f"crm-{tenant.schema_name}"


@transaction.atomic
def open_subscription(*, tenant_id: int) -> Subscription | None:
    """The tenant's subscription, created on first call with the seats and
    interval chosen at sign-up and a trial; online, also its Stripe customer and
    subscription. Safe to repeat: each Stripe call is made once (stored ids,
    idempotency keys). Raises gateway.StripeUnavailable for the task to retry."""
    tenant = Tenant.objects.select_for_update().filter(pk=tenant_id).first()
    if tenant is None:
        return None  # deleted before the task ran
    subscription = Subscription.objects.filter(tenant=tenant).first()
    if subscription is None:
        subscription = Subscription.objects.create(
            tenant=tenant,
            plan=catalog.plan_for_tenant(tenant),
            interval=tenant.billing_interval,
            seats=tenant.seats,
            trial_ends_at=tenant.trial_ends_at,
            status=Subscription.Status.TRIALING,
        )
        _log(tenant, "", tenant.status, _("Trial started with %(seats)d seats") % {"seats": tenant.seats})
    if not gateway.enabled() or subscription.stripe_subscription_id:
        return subscription
    if not subscription.stripe_customer_id:
        subscription.stripe_customer_id = gateway.create_customer(
            key=_key(tenant), email=tenant.owner_email, name=tenant.company, tenant_ref=tenant.schema_name
        )
        subscription.save(update_fields=["stripe_customer_id", "updated_at"])
    state = gateway.create_subscription(
        key=_key(tenant),
        customer_id=subscription.stripe_customer_id,
        price_id=catalog.stripe_price(subscription.plan, subscription.interval),
        quantity=subscription.seats,
        trial_end=subscription.trial_ends_at,
        tenant_ref=tenant.schema_name,
    )
    _apply_state(subscription, state, reason=_("Subscription opened in Stripe"))
    return subscription


def _validate_seats(seats: int) -> None:
    if not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= MAX_SEATS:
        raise ValidationError({"seats": [_("Enter a whole number of seats from 1 to %(max)d.") % {"max": MAX_SEATS}]})
    used = seats_used()
    if seats < used:
        raise ValidationError(
            {"seats": [_("%(used)d seats are in use: deactivate users before going below that.") % {"used": used}]}
        )


def _locked_subscription(tenant: Tenant) -> tuple[Tenant, Subscription]:
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    subscription = Subscription.objects.select_related("plan").filter(tenant=tenant).first()
    if subscription is None:
        subscription = open_subscription(tenant_id=tenant.pk)
        assert subscription is not None  # the tenant exists: its row is locked above
    return tenant, subscription


@transaction.atomic
def change_subscription(
    *, tenant: Tenant, seats: int | None = None, interval: str | None = None, plan: str | None = None
) -> Subscription:
    """Change seats, interval and/or plan in one step (PATCH /billing/subscription/).

    Runs in the tenant's context (seats in use are counted in its schema) with
    the tenant row locked, so a user being added at the same moment sees the old
    or the new limit, never a mix. Online, Stripe is changed first and prorates
    as it does by default; if our write failed afterwards, reconciliation would
    repair it from Stripe. Raises ValidationError (400) or StripeUnavailable."""
    tenant, subscription = _locked_subscription(tenant)
    errors: dict[str, list[str]] = {}
    if seats is not None:
        try:
            _validate_seats(seats)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if interval is not None and interval not in Tenant.Interval.values:
        errors["interval"] = [_('Choose "month" or "year".')]
    new_plan = subscription.plan
    if plan is not None:
        new_plan = catalog.plan_for(plan)
        if new_plan is None:
            errors["plan"] = [_("There is no plan %(plan)s.") % {"plan": plan}]
            new_plan = subscription.plan
        elif new_plan.currency != subscription.plan.currency:
            # A Stripe customer pays in one currency; another currency is a new subscription.
            errors["plan"] = [
                _("This subscription is billed in %(currency)s: choose a plan in %(currency)s.")
                % {"currency": subscription.plan.currency}
            ]
    if subscription.status == Subscription.Status.CANCELED and not errors:
        errors["status"] = [_("This subscription has ended; start a new one from the billing page.")]
    if errors:
        raise ValidationError(errors)

    new_seats = subscription.seats if seats is None else seats
    new_interval = interval or subscription.interval
    changes: list[str] = []
    if new_seats != subscription.seats:
        changes.append(_("seats %(old)d → %(new)d") % {"old": subscription.seats, "new": new_seats})
    if new_interval != subscription.interval:
        changes.append(_("interval %(old)s → %(new)s") % {"old": subscription.interval, "new": new_interval})
    if new_plan.pk != subscription.plan_id:
        changes.append(_("plan %(old)s → %(new)s") % {"old": subscription.plan.name, "new": new_plan.name})
    if not changes:
        return subscription

    if subscription.is_online:
        if new_interval != subscription.interval or new_plan.pk != subscription.plan_id:
            state = gateway.set_price(
                subscription_id=subscription.stripe_subscription_id,
                item_id=subscription.stripe_item_id,
                price_id=catalog.stripe_price(new_plan, new_interval),
                quantity=new_seats,
            )
        else:
            state = gateway.set_quantity(
                subscription_id=subscription.stripe_subscription_id,
                item_id=subscription.stripe_item_id,
                quantity=new_seats,
            )
        subscription.plan = new_plan
        subscription.interval = new_interval
        _apply_state(subscription, state, reason=", ".join(changes))
    else:
        subscription.seats = new_seats
        subscription.interval = new_interval
        subscription.plan = new_plan
        subscription.save()
        _push(subscription, reason=", ".join(changes))
    return subscription


@transaction.atomic
def set_cancel_at_period_end(*, tenant: Tenant, cancel: bool) -> Subscription:
    """Cancel at the end of the paid period (the CRM keeps working until then), or take that back."""
    tenant, subscription = _locked_subscription(tenant)
    reason = _("Cancellation requested for the end of the period") if cancel else _("Cancellation withdrawn")
    if subscription.is_online:
        state = gateway.set_cancel_at_period_end(subscription_id=subscription.stripe_subscription_id, cancel=cancel)
        _apply_state(subscription, state, reason=reason)
    else:
        subscription.cancel_at_period_end = cancel
        subscription.save(update_fields=["cancel_at_period_end", "updated_at"])
        _log(tenant, tenant.status, tenant.status, reason)
    return subscription


@transaction.atomic
def update_subscription(
    *,
    tenant: Tenant,
    seats: int | None = None,
    interval: str | None = None,
    plan: str | None = None,
    cancel_at_period_end: bool | None = None,
) -> None:
    """PATCH /billing/subscription/: change seats, interval and/or plan
    (change_subscription), and ask for or withdraw cancellation at the end of
    the period (set_cancel_at_period_end), in one transaction: both or neither."""
    if seats is not None or interval is not None or plan is not None:
        change_subscription(tenant=tenant, seats=seats, interval=interval, plan=plan)
    if cancel_at_period_end is not None:
        set_cancel_at_period_end(tenant=tenant, cancel=cancel_at_period_end)


def refresh_from_stripe(*, subscription_id: str, reason: str) -> Subscription | None:
    """Re-read a subscription from Stripe and apply it: what every webhook handler
    does instead of trusting the event's copy, so that late or out-of-order
    events cannot move state backwards. Unknown subscriptions are ignored."""
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update()
            .select_related("tenant", "plan")
            .filter(stripe_subscription_id=subscription_id)
            .first()
        )
        if subscription is None:
            return None
        state = gateway.retrieve_subscription(subscription_id)
        _apply_state(subscription, state, reason=reason)
        return subscription


@transaction.atomic
def record_payment_method(*, customer_id: str, setup_intent_id: str | None) -> Subscription | None:
    """Checkout (setup mode) completed: that card becomes the one Stripe charges."""
    subscription = Subscription.objects.select_for_update().filter(stripe_customer_id=customer_id).first()
    if subscription is None or not setup_intent_id:
        return None
    gateway.set_default_payment_method(
        customer_id=customer_id, subscription_id=subscription.stripe_subscription_id, setup_intent_id=setup_intent_id
    )
    subscription.has_payment_method = True
    subscription.save(update_fields=["has_payment_method", "updated_at"])
    _log(subscription.tenant, subscription.tenant.status, subscription.tenant.status, _("Payment method added"))
    return subscription


def advance_dunning(*, now: datetime.datetime | None = None) -> int:
    """Move tenants along the ladder by the clock: past due beyond the grace period
    → read-only; offline trials that ended → active (nothing to charge). Returns
    the number of tenants changed."""
    now = now or timezone.now()
    changed = 0
    grace = datetime.timedelta(days=settings.BILLING_GRACE_DAYS)
    overdue = Subscription.objects.filter(
        status__in=[Subscription.Status.PAST_DUE, Subscription.Status.INCOMPLETE],
        past_due_since__lte=now - grace,
        tenant__status=Tenant.Status.PAST_DUE,
    )
    offline_trials = Subscription.objects.filter(
        stripe_subscription_id="", status=Subscription.Status.TRIALING, trial_ends_at__lte=now
    )
    for pk in list(overdue.values_list("pk", flat=True)) + list(offline_trials.values_list("pk", flat=True)):
        with transaction.atomic():
            subscription = Subscription.objects.select_for_update().select_related("tenant").get(pk=pk)
            if not subscription.is_online and subscription.status == Subscription.Status.TRIALING:
                subscription.status = Subscription.Status.ACTIVE
                subscription.save(update_fields=["status", "updated_at"])
                reason = _("Trial ended (billing offline: nothing to charge)")
            else:
                reason = _("Grace period of %(days)d days ended unpaid") % {"days": settings.BILLING_GRACE_DAYS}
            if _push(subscription, reason=reason, now=now):
                changed += 1
    return changed


def tenant_status_for(subscription: Subscription, now: datetime.datetime | None = None) -> str:
    """The access a subscription gives (docs/decisions/005-billing.md, the ladder)."""
    now = now or timezone.now()
    status = subscription.status
    if status == Subscription.Status.TRIALING:
        return Tenant.Status.TRIALING
    if status == Subscription.Status.ACTIVE:
        return Tenant.Status.ACTIVE
    if status in (Subscription.Status.PAST_DUE, Subscription.Status.INCOMPLETE):
        since = subscription.past_due_since or now
        if now < since + datetime.timedelta(days=settings.BILLING_GRACE_DAYS):
            return Tenant.Status.PAST_DUE
        return Tenant.Status.READ_ONLY
    if status == Subscription.Status.UNPAID:
        return Tenant.Status.READ_ONLY
    return Tenant.Status.SUSPENDED


STRIPE_STATUSES: dict[str, str] = {
    "trialing": Subscription.Status.TRIALING,
    "active": Subscription.Status.ACTIVE,
    "past_due": Subscription.Status.PAST_DUE,
    "unpaid": Subscription.Status.UNPAID,
    "paused": Subscription.Status.UNPAID,
    "incomplete": Subscription.Status.INCOMPLETE,
    "incomplete_expired": Subscription.Status.CANCELED,
    "canceled": Subscription.Status.CANCELED,
}


def _apply_state(subscription: Subscription, state: Mapping[str, Any], *, reason: str) -> None:
    """Take Stripe's view of the subscription and push the result to the tenant."""
    now = timezone.now()
    status = STRIPE_STATUSES.get(state["status"], Subscription.Status.PAST_DUE)
    if status in (Subscription.Status.PAST_DUE, Subscription.Status.INCOMPLETE):
        subscription.past_due_since = subscription.past_due_since or now
    else:
        subscription.past_due_since = None
    subscription.status = status
    subscription.stripe_subscription_id = state["id"]
    subscription.stripe_customer_id = state["customer"]
    subscription.stripe_item_id = state["item_id"]
    subscription.seats = state["quantity"]
    subscription.cancel_at_period_end = state["cancel_at_period_end"]
    subscription.current_period_end = state["current_period_end"]
    if state["trial_end"]:
        subscription.trial_ends_at = state["trial_end"]
    if state["has_payment_method"]:
        subscription.has_payment_method = True
    plan, interval = _plan_of_price(state["price_id"])
    if plan is not None and interval is not None:
        subscription.plan, subscription.interval = plan, interval
    subscription.save()
    _push(subscription, reason=reason, now=now)


def _plan_of_price(price_id: str) -> tuple[Plan, str] | tuple[None, None]:
    from billing.models import Plan

    for plan in Plan.objects.all():
        for interval in Tenant.Interval.values:
            if price_id and plan.stripe_price(interval) == price_id:
                return plan, interval
    return None, None


def _push(subscription: Subscription, *, reason: str, now: datetime.datetime | None = None) -> bool:
    """Write seats, interval and access status onto the tenant row; log and e-mail a
    change of status. Returns True when the status changed."""
    tenant = subscription.tenant
    status = tenant_status_for(subscription, now)
    grace_ends = None
    if status == Tenant.Status.PAST_DUE and subscription.past_due_since:
        grace_ends = subscription.past_due_since + datetime.timedelta(days=settings.BILLING_GRACE_DAYS)
    previous = tenant_services.apply_billing(
        tenant_id=tenant.pk,
        status=status,
        seats=subscription.seats,
        interval=subscription.interval,
        grace_ends_at=grace_ends,
    )
    tenant.refresh_from_db()
    if previous != status:
        _log(tenant, previous, status, reason)
        _email_admins(tenant, previous, status, reason)
        return True
    if reason:
        _log(tenant, previous, status, reason)
    return False


def _log(tenant: Tenant, from_status: str, to_status: str, reason: str) -> None:
    BillingTransition.objects.create(
        tenant=tenant, from_status=from_status, to_status=to_status, reason=str(reason)[:300]
    )
    log.info("billing %s: %s → %s (%s)", tenant.subdomain, from_status, to_status, reason)


_STATUS_MESSAGES: dict[str, str] = {
    Tenant.Status.PAST_DUE: "The last payment for your CRM failed. It keeps working until {grace}; "
    "after that it becomes read-only until the invoice is paid.",
    Tenant.Status.READ_ONLY: "Your CRM is now read-only: the subscription is unpaid. Reads and exports still "
    "work; pay the open invoice on the billing page to restore full access at once.",
    Tenant.Status.SUSPENDED: "Your CRM subscription has ended. Your data is kept: the billing page and exports "
    "still work, and subscribing again restores everything.",
    Tenant.Status.ACTIVE: "Your CRM subscription is active: full access is restored.",
    Tenant.Status.TRIALING: "Your CRM trial is running.",
}


def _email_admins(tenant: Tenant, previous: str, status: str, reason: str) -> None:
    body = _STATUS_MESSAGES.get(status, "").format(
        grace=tenant.grace_ends_at.strftime("%Y-%m-%d %H:%M UTC") if tenant.grace_ends_at else ""
    )
    subject = f"[{tenant.company}] CRM billing: {status.replace('_', ' ')}"
    message = f"{body}\n\nReason: {reason}\n"
    transaction.on_commit(
        lambda: email_tenant_admins.apply_async(args=[subject, message], headers={"tenant_schema": tenant.schema_name})
    )


def notify_admins(*, tenant: Tenant, subject: str, message: str) -> None:
    """An e-mail to the tenant's admins about billing (trial ending, action required)."""
    transaction.on_commit(
        lambda: email_tenant_admins.apply_async(
            args=[f"[{tenant.company}] {subject}", message], headers={"tenant_schema": tenant.schema_name}
        )
    )
