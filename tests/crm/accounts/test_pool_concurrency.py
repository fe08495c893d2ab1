"""The pool with committed data: concurrent claims and the nightly task on a real worker."""

import datetime
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from crm.accounts import pool
from crm.accounts.models import Account, PoolSettings
from crm.accounts.services import create_account
from crm.accounts.tasks import auto_release_accounts_everywhere
from crm.audit.models import AuditEvent
from tests.tenancy import api_client, in_tenant, user_of


@pytest.fixture
def committed_account(committed_db, tenant_a):
    with in_tenant(tenant_a):
        made = create_account(by=user_of(tenant_a, "admin"), name="Race Co", owner=user_of(tenant_a, "sales"))
    yield made
    with in_tenant(tenant_a):
        AuditEvent.objects.filter(target_type="accounts.account", target_id=made.pk).delete()
        Account.objects.filter(pk=made.pk).delete()


def test_two_concurrent_claims_of_one_account_one_wins(tenant_a, committed_account):
    with in_tenant(tenant_a):
        pool.release(account=committed_account, by=user_of(tenant_a, "admin"))
    clients = [api_client(tenant_a, user_of(tenant_a, name)) for name in ("sales", "sales2")]
    barrier, statuses = threading.Barrier(2), []

    def claim(client):
        try:
            barrier.wait()
            statuses.append(client.post(f"/api/v1/pool/{committed_account.pk}/claim/").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [200, 400]
    with in_tenant(tenant_a):
        assert (
            AuditEvent.objects.filter(
                target_type="accounts.account", target_id=committed_account.pk, action="pool.claimed"
            ).count()
            == 1
        )


def test_the_nightly_task_releases_stale_accounts_on_a_real_worker(tenant_a, committed_account, celery_worker):
    with in_tenant(tenant_a):
        saved = PoolSettings.objects.get_or_create(pk=1)[0].release_after_days_without_follow_up
        PoolSettings.objects.filter(pk=1).update(release_after_days_without_follow_up=10)
        Account.objects.filter(pk=committed_account.pk).update(owner_since=timezone.now() - datetime.timedelta(days=11))
    try:
        connection.set_schema_to_public()
        auto_release_accounts_everywhere.delay()
        deadline = time.monotonic() + 60
        with in_tenant(tenant_a):
            while Account.objects.get(pk=committed_account.pk).owner_id is not None:
                assert time.monotonic() < deadline, "the worker did not release the account"
                time.sleep(0.2)
            assert AuditEvent.objects.filter(
                target_type="accounts.account", target_id=committed_account.pk, action="pool.auto_released"
            ).exists()
    finally:
        with in_tenant(tenant_a):
            PoolSettings.objects.filter(pk=1).update(release_after_days_without_follow_up=saved)
