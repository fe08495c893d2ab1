import datetime
import time

import pytest
from django.utils import timezone

from crm.accounts.models import Account
from crm.audit.models import AuditEvent
from crm.deals.models import Deal
from crm.deals.tasks import reactivate_paused_deals, reactivate_paused_deals_everywhere
from tests.crm.deals.factories import make_deal
from tests.tenancy import api_client, in_tenant, user_of


def _due(tenant, deal, days_ago=0):
    # The pause was set in the past; its day has come.
    with in_tenant(tenant):
        Deal.objects.filter(pk=deal.pk).update(
            paused_until=timezone.localdate() - datetime.timedelta(days=days_ago), pause_reason="Budget freeze"
        )


@pytest.mark.django_db
def test_pausing_a_deal_puts_it_on_hold_until_a_later_day(tenant_a):
    deal = make_deal(tenant_a, "sales")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    until = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    response = client.post(
        f"/api/v1/deals/{deal.pk}/pause/", {"reason": "Budget freeze", "until": until}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["is_paused"], response.json()["paused_until"]) == (True, until)


@pytest.mark.django_db
def test_a_pause_must_end_after_today(tenant_a):
    deal = make_deal(tenant_a, "sales")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(
        f"/api/v1/deals/{deal.pk}/pause/", {"reason": "x", "until": timezone.localdate().isoformat()}, format="json"
    )
    assert response.status_code == 400 and "until" in response.json()
    with in_tenant(tenant_a):
        assert Deal.objects.get(pk=deal.pk).paused_until is None


@pytest.mark.django_db
def test_reactivating_by_hand_ends_the_pause(tenant_a):
    deal = make_deal(tenant_a, "sales")
    _due(tenant_a, deal, days_ago=-5)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(f"/api/v1/deals/{deal.pk}/reactivate/")
    assert response.status_code == 200 and response.json()["is_paused"] is False
    assert client.post(f"/api/v1/deals/{deal.pk}/reactivate/").status_code == 400


@pytest.mark.django_db
def test_the_daily_task_reactivates_deals_whose_day_has_come_and_no_others(tenant_a):
    due, later = make_deal(tenant_a, "sales", name="Due"), make_deal(tenant_a, "sales", name="Later")
    _due(tenant_a, due)
    _due(tenant_a, later, days_ago=-3)
    with in_tenant(tenant_a):
        # .run(): the body itself, in the schema set here (calling the task would reset it, TenantTask).
        assert reactivate_paused_deals.run() == 1
        assert Deal.objects.get(pk=due.pk).paused_until is None
        assert Deal.objects.get(pk=later.pk).paused_until is not None
        event = AuditEvent.objects.get(target_type="deals.deal", target_id=due.pk, action="deal.reactivated")
    assert event.actor is None and event.payload["automatic"] is True


@pytest.mark.celery
def test_the_beat_task_reactivates_paused_deals_in_every_tenant_through_the_worker(
    committed_db, celery_worker, tenant_a, tenant_b
):
    deals = {tenant: make_deal(tenant, "sales", name="Paused via worker") for tenant in (tenant_a, tenant_b)}
    try:
        for tenant, deal in deals.items():
            _due(tenant, deal, days_ago=1)
        reactivate_paused_deals_everywhere.delay().get(timeout=60)
        deadline = time.time() + 60
        waiting = set(deals)
        while waiting and time.time() < deadline:
            for tenant in list(waiting):
                with in_tenant(tenant):
                    if Deal.objects.get(pk=deals[tenant].pk).paused_until is None:
                        waiting.discard(tenant)
            time.sleep(0.2)
        assert waiting == set()
    finally:
        for tenant, deal in deals.items():
            with in_tenant(tenant):
                AuditEvent.objects.filter(
                    target_type__in=["deals.deal", "accounts.account"], target_id__in=[deal.pk, deal.account_id]
                ).delete()
                Deal.objects.filter(pk=deal.pk).delete()
                Account.objects.filter(pk=deal.account_id).delete()
