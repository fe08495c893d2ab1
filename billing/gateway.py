"""The one module that talks to Stripe (ARCHITECTURE.md, habit 14).

Functions take our values and return plain dicts of what we use, so nothing
else handles SDK objects. Every call that creates something carries an
idempotency key derived from our ids, so a retried task never makes a second
customer or subscription.
"""

import datetime
import time

import stripe
from django.conf import settings
from django.utils import timezone


class StripeUnavailable(Exception):
    """Stripe could not be reached or refused the call; nothing was changed on our side."""


def enabled():
    return bool(settings.STRIPE_API_KEY)


def _client():
    if not enabled():
        raise RuntimeError("billing is offline: no STRIPE_API_KEY")
    stripe.api_key = settings.STRIPE_API_KEY
    if settings.STRIPE_API_BASE:
        stripe.api_base = settings.STRIPE_API_BASE.rstrip("/")
    stripe.max_network_retries = 2
    return stripe


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except stripe.StripeError as exc:
        raise StripeUnavailable(str(exc.user_message or exc)) from exc


def _when(timestamp):
    if not timestamp:
        return None
    return datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.UTC)


def ensure_price(*, price_id, product_name, amount, currency, interval):
    """A recurring per-seat price with our deterministic id; created once."""
    client = _client()
    try:
        return client.Plan.retrieve(price_id)["id"]
    except stripe.InvalidRequestError as exc:
        if exc.http_status != 404:
            raise StripeUnavailable(str(exc)) from exc
    # Plans are prices in Stripe (same id); localstripe only knows plans.
    plan = _call(
        client.Plan.create,
        id=price_id,
        amount=amount,
        currency=currency.lower(),
        interval=interval,
        product={"name": product_name},
        idempotency_key=f"price-{price_id}",
    )
    return plan["id"]


def create_customer(*, key, email, name, tenant_ref):
    client = _client()
    customer = _call(
        client.Customer.create,
        email=email,
        name=name,
        metadata={"tenant": tenant_ref},
        idempotency_key=f"{key}-customer",
    )
    return customer["id"]


def create_subscription(*, key, customer_id, price_id, quantity, trial_end, tenant_ref):
    client = _client()
    params = {
        "customer": customer_id,
        "items": [{"plan": price_id, "quantity": quantity}],
        "metadata": {"tenant": tenant_ref},
    }
    if trial_end and trial_end > timezone.now():
        params["trial_end"] = int(trial_end.timestamp())
    subscription = _call(client.Subscription.create, idempotency_key=f"{key}-subscription", **params)
    return _subscription_state(subscription)


def retrieve_subscription(subscription_id):
    client = _client()
    return _subscription_state(_call(client.Subscription.retrieve, subscription_id))


def set_quantity(*, subscription_id, item_id, quantity):
    """Stripe prorates quantity changes by default (create_prorations)."""
    client = _client()
    subscription = _call(client.Subscription.modify, subscription_id, items=[{"id": item_id, "quantity": quantity}])
    return _subscription_state(subscription)


def set_price(*, subscription_id, item_id, price_id, quantity):
    """Move the seat item to another price (interval or plan change), as Stripe prorates it."""
    client = _client()
    subscription = _call(
        client.Subscription.modify, subscription_id, items=[{"id": item_id, "plan": price_id, "quantity": quantity}]
    )
    return _subscription_state(subscription)


def set_cancel_at_period_end(*, subscription_id, cancel):
    client = _client()
    subscription = _call(client.Subscription.modify, subscription_id, cancel_at_period_end=cancel)
    return _subscription_state(subscription)


def set_default_payment_method(*, customer_id, subscription_id, setup_intent_id):
    """After a Checkout session in setup mode: make its card the one we charge."""
    client = _client()
    intent = _call(client.SetupIntent.retrieve, setup_intent_id)
    payment_method = intent["payment_method"]
    _call(client.Customer.modify, customer_id, invoice_settings={"default_payment_method": payment_method})
    if subscription_id:
        _call(client.Subscription.modify, subscription_id, default_payment_method=payment_method)
    return payment_method


def checkout_setup_url(*, customer_id, success_url, cancel_url, currency):
    client = _client()
    session = _call(
        client.checkout.Session.create,
        mode="setup",
        customer=customer_id,
        currency=currency.lower(),
        success_url=success_url,
        cancel_url=cancel_url,
        payment_method_types=["card"],
    )
    return session["url"]


def portal_url(*, customer_id, return_url):
    client = _client()
    session = _call(client.billing_portal.Session.create, customer=customer_id, return_url=return_url)
    return session["url"]


def upcoming_invoice(*, customer_id, subscription_id):
    """Stripe's preview of the next invoice: {"amount_due", "currency", "date"}, or None."""
    client = _client()
    try:
        invoice = client.Invoice.create_preview(customer=customer_id, subscription=subscription_id)
    except stripe.InvalidRequestError:
        return None  # nothing upcoming (e.g. canceled)
    except stripe.StripeError as exc:
        raise StripeUnavailable(str(exc)) from exc
    data = invoice.to_dict()
    when = data.get("next_payment_attempt") or data.get("period_end")
    return {"amount_due": data.get("amount_due", 0), "currency": data.get("currency", ""), "date": _when(when)}


def invoices(*, customer_id, limit=24):
    client = _client()
    found = _call(client.Invoice.list, customer=customer_id, limit=limit)
    result = []
    for invoice in found.data:
        data = invoice.to_dict()
        result.append(
            {
                "id": data["id"],
                "number": data.get("number") or data["id"],
                "status": data.get("status"),
                "amount_due": data.get("amount_due", 0),
                "amount_paid": data.get("amount_paid", 0),
                "currency": data.get("currency", ""),
                "created": _when(data.get("created")),
                "pdf": data.get("invoice_pdf") or "",
                "url": data.get("hosted_invoice_url") or "",
            }
        )
    return result


def parse_event(payload, signature):
    """The verified event as a dict; raises ValueError for a bad payload or signature."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise ValueError(str(exc)) from exc
    return event.to_dict()


def _subscription_state(subscription):
    """What we keep of a Stripe subscription."""
    data = subscription.to_dict() if hasattr(subscription, "to_dict") else dict(subscription)
    item = data["items"]["data"][0]
    price = item.get("price") or item.get("plan") or {}
    status = data["status"]
    trial_end = data.get("trial_end")
    # localstripe never reports `trialing`: a subscription in its trial is
    # `incomplete` there. Real Stripe never reports incomplete with a future
    # trial_end, so reading it as trialing is right for both.
    if status == "incomplete" and trial_end and trial_end > time.time():
        status = "trialing"
    period_end = data.get("current_period_end") or item.get("current_period_end")
    return {
        "id": data["id"],
        "customer": data["customer"] if isinstance(data["customer"], str) else data["customer"]["id"],
        "status": status,
        "item_id": item["id"],
        "quantity": item.get("quantity") or data.get("quantity") or 1,
        "price_id": price.get("id", "") if isinstance(price, dict) else price,
        "trial_end": _when(trial_end),
        "current_period_end": _when(period_end),
        "cancel_at_period_end": bool(data.get("cancel_at_period_end")),
        "has_payment_method": bool(data.get("default_payment_method")),
    }
