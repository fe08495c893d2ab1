"""The sign-up task, the catalog command and nightly reconciliation."""

import time

import pytest
import stripe
from django.core.management import call_command

from billing import reconciliation, services
from billing.models import BillingTransition, Plan, Subscription
from tenants.models import Tenant
from tests.tenancy import sign_up


@pytest.mark.celery
def test_a_committed_sign_up_gets_its_subscription_from_the_worker(committed_db, celery_worker):
    tenant = sign_up(seats=2)
    committed_db.append(tenant)
    # The solo worker may first finish pool refills queued by earlier sign-ups.
    deadline = time.monotonic() + 180
    while not Subscription.objects.filter(tenant=tenant).exists():
        assert time.monotonic() < deadline, "the worker never opened the subscription"
        time.sleep(0.2)
    subscription = Subscription.objects.get(tenant=tenant)
    assert subscription.seats == 2 and subscription.status == Subscription.Status.TRIALING


def test_sync_plans_command_writes_the_catalog(db, capsys):
    call_command("sync_plans")
    call_command("sync_plans")
    assert set(Plan.objects.values_list("code", flat=True)) == {
        "standard",
        "professional",
        "standard-cny",
        "professional-cny",
    }
    assert set(Plan.objects.values_list("currency", flat=True)) == {"USD", "CNY"}
    assert "4 plans in sync (database (billing offline))" in capsys.readouterr().out


def test_reconciliation_repairs_seats_changed_in_stripe_and_logs_it(online, db, spare_pool):
    tenant = sign_up(seats=3)
    services.open_subscription(tenant_id=tenant.pk)
    subscription = Subscription.objects.get(tenant=tenant)
    # Someone changed the quantity in the Stripe dashboard.
    stripe.Subscription.modify(
        subscription.stripe_subscription_id, items=[{"id": subscription.stripe_item_id, "quantity": 6}]
    )

    result = reconciliation.reconcile_all()

    assert result["repaired"] >= 1
    tenant.refresh_from_db()
    assert tenant.seats == 6
    assert BillingTransition.objects.filter(tenant=tenant, reason__contains="seats 3 here, 6 in Stripe").exists()


def test_reconciliation_leaves_subscriptions_in_step_alone(online, db, spare_pool):
    tenant = sign_up(seats=2)
    services.open_subscription(tenant_id=tenant.pk)
    before = BillingTransition.objects.filter(tenant=tenant).count()
    reconciliation.reconcile_all()
    assert BillingTransition.objects.filter(tenant=tenant).count() == before
    tenant.refresh_from_db()
    assert tenant.seats == 2 and tenant.status == Tenant.Status.TRIALING
