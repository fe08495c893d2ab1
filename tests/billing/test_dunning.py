"""The dunning ladder end to end: past_due → grace → read-only → paid → full
access, and cancellation → suspended; time is moved by the test. Stripe's
answers come from the replay server (localstripe cannot reach past_due without
its own clock)."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from billing import services, webhooks
from billing.models import BillingTransition, StripeEvent
from config.celery import app as celery_app
from tenants.models import Tenant
from tests.billing.conftest import signed_event
from tests.billing.test_webhooks import post
from tests.tenancy import api_client, host, in_tenant, user_of


@pytest.fixture
def eager_tasks():
    # The admin e-mails are a task run in the tenant's context; run it inline.
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def deliver(replayed, event_type, status):
    replayed.state["status"] = status
    body, headers = signed_event(
        event_type, {"id": "sub_1MowQVLkdIwHu7ixeRlqHVzs", "subscription": "sub_1MowQVLkdIwHu7ixeRlqHVzs"}
    )
    assert post(body, headers).status_code == 200
    event = StripeEvent.objects.order_by("-received_at", "-id").first()
    webhooks.process_event(event.pk)
    replayed.tenant.refresh_from_db()
    return replayed.tenant


def signed_in(tenant):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, "owner"))
    return client


def new_account(tenant, name="Acme"):
    return api_client(tenant, user_of(tenant, "owner")).post("/api/v1/accounts/", {"name": name}, format="json")


def test_the_ladder_from_failed_payment_to_read_only_and_back(
    replayed, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tenant = deliver(replayed, "invoice.payment_failed", "past_due")
    assert tenant.status == Tenant.Status.PAST_DUE
    assert tenant.grace_ends_at > timezone.now() + datetime.timedelta(days=6)
    assert new_account(tenant, "During grace").status_code == 201  # grace: still fully usable
    browser = signed_in(tenant)
    assert "becomes read-only" in browser.get("/").content.decode()

    # Eight days on, unpaid: read-only.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.advance_dunning(now=timezone.now() + datetime.timedelta(days=8)) == 1
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.READ_ONLY
    refused = new_account(tenant, "Refused")
    assert refused.status_code == 402 and "billing" in refused.json()["detail"]
    api = api_client(tenant, user_of(tenant, "owner"))
    assert api.get("/api/v1/accounts/").json()["count"] == 1  # reads work, nothing was lost
    assert api.get("/api/v1/accounts/export/").status_code == 200
    assert api.get("/api/v1/billing/subscription/").json()["status"] == "read_only"
    assert browser.post("/accounts/new/", {"name": "Refused too"}).status_code == 402

    # Paying restores full access at once.
    with django_capture_on_commit_callbacks(execute=True):
        tenant = deliver(replayed, "invoice.paid", "active")
    assert tenant.status == Tenant.Status.ACTIVE and tenant.grace_ends_at is None
    assert new_account(tenant, "After paying").status_code == 201

    steps = list(
        BillingTransition.objects.filter(tenant=tenant)
        .exclude(from_status=models_same())
        .order_by("created_at", "id")
        .values_list("from_status", "to_status")
    )
    assert steps[-3:] == [("trialing", "past_due"), ("past_due", "read_only"), ("read_only", "active")]
    to_owner = [m for m in mail.outbox if tenant.owner_email in m.to]
    assert [m.subject.split(": ")[-1] for m in to_owner] == ["past due", "read only", "active"]


def models_same():
    from django.db.models import F

    return F("to_status")


def test_cancellation_suspends_but_keeps_data_and_exports(replayed, eager_tasks, django_capture_on_commit_callbacks):
    assert new_account(replayed.tenant, "Kept").status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        tenant = deliver(replayed, "customer.subscription.deleted", "canceled")
    assert tenant.status == Tenant.Status.SUSPENDED
    api = api_client(tenant, user_of(tenant, "owner"))
    assert api.get("/api/v1/accounts/").status_code == 402
    export = api.get("/api/v1/accounts/export/")
    assert export.status_code == 200 and "Kept" in export.content.decode()
    assert api.get("/api/v1/billing/subscription/").status_code == 200
    browser = signed_in(tenant)
    page = browser.get("/accounts/")
    assert page.status_code == 402 and "billing page" in page.content.decode()
    assert browser.get("/billing/").status_code == 200
    assert any("has ended" in m.body for m in mail.outbox)


def test_a_tenant_past_due_within_grace_is_not_made_read_only(replayed):
    tenant = deliver(replayed, "invoice.payment_failed", "past_due")
    assert services.advance_dunning(now=timezone.now() + datetime.timedelta(days=6)) == 0
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.PAST_DUE
