import datetime

import pytest
from django.utils import timezone

from crm.accounts import pool, services
from crm.accounts.models import Account, PoolSettings
from crm.accounts.tasks import auto_release_accounts
from crm.audit.models import AuditEvent
from tests.crm.accounts.factories import account, foreign_account
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def pooled(tenant, name="Pool Co", **details):
    made = account(tenant, name, **details)
    with in_tenant(tenant):
        return pool.release(account=made, by=user_of(tenant, "admin"))


def set_rules(tenant, **rules):
    with in_tenant(tenant):
        PoolSettings.objects.update_or_create(pk=1, defaults=rules)


def actions_of(tenant, account_id):
    with in_tenant(tenant):
        return list(
            AuditEvent.objects.filter(target_type="accounts.account", target_id=account_id)
            .order_by("id")
            .values_list("action", flat=True)
        )


def test_everyone_browses_the_pool_without_contact_details(tenant_a):
    in_pool = pooled(tenant_a, "Pooled Corp", phone="+1 555 999 0000", industry="Retail")
    response = api_client(tenant_a, user_of(tenant_a, "sales2")).get("/api/v1/pool/?page_size=200")
    assert response.status_code == 200
    row = next(r for r in response.json()["results"] if r["id"] == in_pool.pk)
    assert row["industry"] == "Retail"
    assert "phone" not in row and "owner" not in row


def test_claiming_makes_the_caller_the_owner_with_history(tenant_a):
    in_pool = pooled(tenant_a)
    sales = user_of(tenant_a, "sales2")
    client = api_client(tenant_a, sales)
    assert client.post(f"/api/v1/pool/{in_pool.pk}/claim/").status_code == 200
    detail = client.get(f"/api/v1/accounts/{in_pool.pk}/")
    assert detail.status_code == 200 and detail.json()["owner"] == sales.pk
    history = client.get(f"/api/v1/accounts/{in_pool.pk}/history/").json()["results"]
    assert [row["action"] for row in history][:2] == ["pool.claimed", "pool.released"]


def test_claiming_over_the_cap_is_refused_and_changes_nothing(tenant_a):
    set_rules(tenant_a, claim_cap=1)
    account(tenant_a, "Already Mine", owner="sales2")
    in_pool = pooled(tenant_a)
    response = api_client(tenant_a, user_of(tenant_a, "sales2")).post(f"/api/v1/pool/{in_pool.pk}/claim/")
    assert response.status_code == 400
    assert "(1)" in response.json()["non_field_errors"][0]
    with in_tenant(tenant_a):
        assert Account.objects.get(pk=in_pool.pk).owner_id is None
    assert "pool.claimed" not in actions_of(tenant_a, in_pool.pk)


def test_an_account_claimed_by_someone_else_is_400(tenant_a):
    in_pool = pooled(tenant_a)
    assert api_client(tenant_a, user_of(tenant_a, "sales")).post(f"/api/v1/pool/{in_pool.pk}/claim/").status_code == 200
    response = api_client(tenant_a, user_of(tenant_a, "sales2")).post(f"/api/v1/pool/{in_pool.pk}/claim/")
    assert response.status_code == 400


def test_an_account_that_was_never_in_the_pool_cannot_be_claimed_and_looks_missing(tenant_a):
    owned = account(tenant_a, "Never Pooled", owner="sales")
    client = api_client(tenant_a, user_of(tenant_a, "sales2"))
    assert client.post(f"/api/v1/pool/{owned.pk}/claim/").json() == client.post("/api/v1/pool/999999/claim/").json()
    assert client.post(f"/api/v1/pool/{owned.pk}/claim/").status_code == 404


def test_claiming_an_id_from_another_tenant_is_404(tenant_a, tenant_b):
    foreign = foreign_account(tenant_b, tenant_a)
    with in_tenant(tenant_b):
        pool.release(account=foreign, by=user_of(tenant_b, "admin"))
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(f"/api/v1/pool/{foreign.pk}/claim/")
    assert response.status_code == 404
    with in_tenant(tenant_b):
        assert Account.objects.get(pk=foreign.pk).owner_id is None


def test_the_owner_releases_an_account_into_the_pool(tenant_a):
    mine = account(tenant_a, "Let Go", owner="sales")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(f"/api/v1/accounts/{mine.pk}/release/")
    assert response.status_code == 200
    assert client.get(f"/api/v1/accounts/{mine.pk}/").status_code == 404
    assert client.get(f"/api/v1/pool/{mine.pk}/").status_code == 200
    assert actions_of(tenant_a, mine.pk)[-1] == "pool.released"


def test_someone_an_account_is_only_shared_with_cannot_release_it(tenant_a):
    theirs = account(tenant_a, "Shared Not Mine", owner="sales2")
    admin_client = api_client(tenant_a, user_of(tenant_a, "admin"))
    admin_client.post(f"/api/v1/accounts/{theirs.pk}/share/", {"users": [user_of(tenant_a, "sales").pk]}, format="json")
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(f"/api/v1/accounts/{theirs.pk}/release/")
    assert response.status_code == 403
    with in_tenant(tenant_a):
        assert Account.objects.get(pk=theirs.pk).owner_id == user_of(tenant_a, "sales2").pk


def test_releasing_someone_elses_account_is_404(tenant_a):
    theirs = account(tenant_a, "Not Visible", owner="sales2")
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(f"/api/v1/accounts/{theirs.pk}/release/")
    assert response.status_code == 404


def _age(tenant, made, days):
    with in_tenant(tenant):
        Account.objects.filter(pk=made.pk).update(
            owner_since=timezone.now() - datetime.timedelta(days=days),
            created_at=timezone.now() - datetime.timedelta(days=days),
        )


def test_accounts_not_followed_up_go_back_to_the_pool(tenant_a):
    set_rules(tenant_a, release_after_days_without_follow_up=30)
    stale, fresh, contacted = (account(tenant_a, name) for name in ("Stale", "Fresh", "Contacted"))
    _age(tenant_a, stale, 31)
    _age(tenant_a, contacted, 31)
    with in_tenant(tenant_a):
        services.mark_contacted(contacted, timezone.now() - datetime.timedelta(days=2))
        auto_release_accounts.run()  # the body, in this schema (calling the task would use public)
        owners = dict(Account.objects.filter(pk__in=[stale.pk, fresh.pk, contacted.pk]).values_list("pk", "owner"))
        event = AuditEvent.objects.get(target_type="accounts.account", target_id=stale.pk, action="pool.auto_released")
    assert owners == {
        stale.pk: None,
        fresh.pk: user_of(tenant_a, "sales").pk,
        contacted.pk: user_of(tenant_a, "sales").pk,
    }
    assert event.actor_id is None
    assert event.payload == {"owner": user_of(tenant_a, "sales").pk, "reason": "no_follow_up"}


def test_accounts_without_a_deal_go_back_to_the_pool(tenant_a):
    from django.apps import apps

    if not apps.is_installed("crm.deals"):
        pytest.skip("no deals app")
    from tests.crm.deals.factories import make_deal

    set_rules(tenant_a, release_after_days_without_deal=90)
    without, with_deal = account(tenant_a, "No Deal"), account(tenant_a, "Has Deal")
    _age(tenant_a, without, 100)
    _age(tenant_a, with_deal, 100)
    make_deal(tenant_a, account=with_deal)
    with in_tenant(tenant_a):
        assert pool.auto_release(now=timezone.now()) >= 1
        owners = dict(Account.objects.filter(pk__in=[without.pk, with_deal.pk]).values_list("pk", "owner"))
    assert owners == {without.pk: None, with_deal.pk: user_of(tenant_a, "sales").pk}
    assert actions_of(tenant_a, without.pk)[-1] == "pool.auto_released"


def test_nothing_is_auto_released_while_the_rules_are_off(tenant_a):
    set_rules(tenant_a, release_after_days_without_follow_up=None, release_after_days_without_deal=None)
    old = account(tenant_a, "Old but kept")
    _age(tenant_a, old, 1000)
    with in_tenant(tenant_a):
        assert pool.auto_release() == 0
        assert Account.objects.get(pk=old.pk).owner_id is not None


def test_only_the_admin_changes_the_pool_rules(tenant_a):
    body = {"claim_cap": 3, "release_after_days_without_follow_up": 15}
    refused = api_client(tenant_a, user_of(tenant_a, "director")).patch("/api/v1/pool/settings/", body, format="json")
    assert refused.status_code == 403
    admin = api_client(tenant_a, user_of(tenant_a, "admin"))
    response = admin.patch("/api/v1/pool/settings/", body, format="json")
    assert response.status_code == 200
    assert api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/pool/settings/").json()["claim_cap"] == 3
    assert admin.patch("/api/v1/pool/settings/", {"claim_cap": 0}, format="json").status_code == 400


def test_a_follow_up_logged_in_activities_counts_as_followed_up(tenant_a):
    from django.apps import apps

    try:
        follow_up = apps.get_model("activities", "FollowUp")
    except LookupError:
        pytest.skip("no FollowUp model")
    set_rules(tenant_a, release_after_days_without_follow_up=30)
    followed = account(tenant_a, "Followed in activities")
    _age(tenant_a, followed, 60)
    with in_tenant(tenant_a):
        follow_up.objects.create(account=followed, last_contact_at=timezone.now() - datetime.timedelta(days=3))
        pool.auto_release()
        assert Account.objects.get(pk=followed.pk).owner_id is not None


def test_the_nightly_release_is_on_the_beat_schedule():
    from django.conf import settings

    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["auto-release-pool-accounts"]
    assert entry["task"] == "crm.accounts.tasks.auto_release_accounts_everywhere"
    assert entry["task"] in app.tasks
