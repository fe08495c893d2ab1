"""POST /api/v1/billing/webhook/ on the public host, with payloads signed as
Stripe signs them. Subscription states come from Stripe itself: localstripe, or
the replay server where localstripe cannot produce them (said per test)."""

import datetime

import pytest
import stripe
from rest_framework.test import APIClient

from billing import webhooks
from billing.gateway import StripeUnavailable
from billing.models import BillingTransition, StripeEvent, Subscription
from config.celery import app as celery_app
from tenants.models import Tenant
from tests.billing.conftest import signed_event
from tests.billing.stripe_replay import example

URL = "/api/v1/billing/webhook/"


def post(body, headers):
    return APIClient(HTTP_HOST="localhost").post(URL, body, content_type="application/json", **headers)


def test_a_bad_signature_is_400_and_nothing_is_stored(replayed):
    body, headers = signed_event("invoice.paid", {"subscription": "sub_1MowQVLkdIwHu7ixeRlqHVzs"}, secret="whsec_wrong")
    response = post(body, headers)
    assert response.status_code == 400
    assert StripeEvent.objects.count() == 0
    assert post(body, {}).status_code == 400


def test_a_hundred_replays_have_one_effect(replayed, django_capture_on_commit_callbacks):
    replayed.state["status"] = "past_due"
    body, headers = signed_event(
        "invoice.payment_failed",
        {"subscription": "sub_1MowQVLkdIwHu7ixeRlqHVzs", "customer": "cus_Na6dX7aXxi11N4"},
        event_id="evt_once",
    )
    with django_capture_on_commit_callbacks() as queued:
        answers = [post(body, headers) for _ in range(100)]
    assert all(a.status_code == 200 for a in answers)
    assert [a.json()["duplicate"] for a in answers].count(False) == 1
    assert len(queued) == 1  # one processing task for a hundred deliveries
    event = StripeEvent.objects.get(event_id="evt_once")
    for _ in range(3):  # even if the task ran more than once
        webhooks.process_event(event.pk)
    assert (
        BillingTransition.objects.filter(tenant=replayed.tenant, to_status="past_due", from_status="trialing").count()
        == 1
    )
    replayed.tenant.refresh_from_db()
    assert replayed.tenant.status == Tenant.Status.PAST_DUE


def test_out_of_order_events_end_in_stripes_current_state(replayed):
    # Stripe says the subscription is active now; an older "payment failed"
    # arrives after the newer "paid": the handler re-reads Stripe, so it stays active.
    replayed.state["status"] = "active"
    newer, newer_headers = signed_event(
        "invoice.paid",
        {"subscription": "sub_1MowQVLkdIwHu7ixeRlqHVzs"},
        created=int(datetime.datetime.now().timestamp()),
    )
    older, older_headers = signed_event(
        "invoice.payment_failed",
        {"subscription": "sub_1MowQVLkdIwHu7ixeRlqHVzs"},
        created=int(datetime.datetime.now().timestamp()) - 120,
    )
    for body, headers in ((newer, newer_headers), (older, older_headers)):
        assert post(body, headers).status_code == 200
    for event in StripeEvent.objects.order_by("received_at"):
        webhooks.process_event(event.pk)
    replayed.tenant.refresh_from_db()
    assert replayed.tenant.status == Tenant.Status.ACTIVE


def test_a_failing_handler_is_retried_later_not_lost(replayed, settings):
    replayed.state["status"] = "active"
    body, headers = signed_event("invoice.paid", {"subscription": "sub_1MowQVLkdIwHu7ixeRlqHVzs"})
    post(body, headers)
    event = StripeEvent.objects.get()
    working_stripe = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Stripe unreachable while handling
    with pytest.raises(StripeUnavailable):
        webhooks.process_event(event.pk)
    event.refresh_from_db()
    assert event.status == StripeEvent.Status.FAILED and "StripeUnavailable" in event.error
    replayed.tenant.refresh_from_db()
    assert replayed.tenant.status == Tenant.Status.TRIALING

    # Ten minutes on, the sweep hands it to the task again (run inline here).
    settings.STRIPE_API_BASE = working_stripe
    StripeEvent.objects.filter(pk=event.pk).update(received_at=event.received_at - datetime.timedelta(minutes=11))
    from billing.tasks import retry_unprocessed_events

    celery_app.conf.task_always_eager = True
    try:
        retry_unprocessed_events()
    finally:
        celery_app.conf.task_always_eager = False
    event.refresh_from_db()
    assert event.status == StripeEvent.Status.PROCESSED and event.attempts == 2
    replayed.tenant.refresh_from_db()
    assert replayed.tenant.status == Tenant.Status.ACTIVE


def test_event_types_we_do_not_handle_are_stored_and_ignored(replayed):
    body, headers = signed_event("charge.refunded", {"id": "ch_1"})
    assert post(body, headers).status_code == 200
    assert StripeEvent.objects.get().status == StripeEvent.Status.IGNORED


def test_checkout_in_setup_mode_makes_the_card_the_default(replayed):
    # Checkout is not in localstripe: the replay server answers as Stripe does.
    replayed.routes[("GET", "/v1/setup_intents/seti_1OAy1mLkdIwHu7ixBdqhzdZa")] = example("setup_intent")
    replayed.routes[("POST", "/v1/customers/cus_Na6dX7aXxi11N4")] = example("customer")
    replayed.routes[("POST", "/v1/subscriptions/sub_1MowQVLkdIwHu7ixeRlqHVzs")] = replayed.state
    body, headers = signed_event("checkout.session.completed", example("checkout_session", status="complete"))
    post(body, headers)
    webhooks.process_event(StripeEvent.objects.get().pk)
    sent = {(method, path): params for method, path, params, _ in replayed.requests}
    assert sent[("POST", "/v1/customers/cus_Na6dX7aXxi11N4")]["invoice_settings[default_payment_method]"] == [
        "pm_1OAy1lLkdIwHu7ixQx6Rb7mM"
    ]
    assert Subscription.objects.get(tenant=replayed.tenant).has_payment_method is True


def test_an_event_signed_and_sent_by_localstripe_is_accepted_and_applied(online, live_webhook, tenant):
    # localstripe delivers its own signed event to the endpoint registered with
    # it; we post that delivery, byte for byte, to our webhook.
    deliveries = live_webhook(["customer.subscription.deleted"])
    subscription = Subscription.objects.get(tenant=tenant)
    stripe.Subscription.cancel(subscription.stripe_subscription_id)
    body, headers = deliveries.wait_for("customer.subscription.deleted")

    assert post(body, headers).status_code == 200
    webhooks.process_event(StripeEvent.objects.get(type="customer.subscription.deleted").pk)
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.SUSPENDED
    assert post(body.replace(b'"canceled"', b'"active"'), headers).status_code == 400  # tampered
