"""Ops states of a tenant seen by its users: a restore makes it read-only, a
suspension or pending deletion closes it, and nothing else changes."""

from tenants.models import Tenant
from tests.billing.test_dunning import new_account, signed_in
from tests.tenancy import api_client, sign_up, user_of


def test_while_a_restore_runs_reads_work_and_writes_are_refused(db, spare_pool):
    tenant = sign_up()
    assert new_account(tenant, "Before").status_code == 201
    Tenant.objects.filter(pk=tenant.pk).update(restoring=True)
    api = api_client(tenant, user_of(tenant, "owner"))
    assert api.get("/api/v1/accounts/").json()["count"] == 1
    refused = new_account(tenant, "During")
    assert refused.status_code == 503 and "restored" in refused.json()["detail"]
    assert "read-only until the restore finishes" in signed_in(tenant).get("/").content.decode()


def test_a_tenant_suspended_by_ops_answers_only_a_notice(db, spare_pool):
    tenant = sign_up()
    Tenant.objects.filter(pk=tenant.pk).update(lifecycle=Tenant.Lifecycle.SUSPENDED)
    api = api_client(tenant, user_of(tenant, "owner"))
    response = api.get("/api/v1/accounts/")
    assert response.status_code == 503 and "suspended by the provider" in response.json()["detail"]
    assert signed_in(tenant).get("/").status_code == 503
