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


def _suspended_tenant_with_an_account():
    tenant = sign_up()
    assert new_account(tenant, "Kept").status_code == 201
    Tenant.objects.filter(pk=tenant.pk).update(status=Tenant.Status.SUSPENDED)
    return tenant


def test_a_suspended_tenant_cannot_read_a_list_by_adding_export_to_its_url(db, spare_pool):
    tenant = _suspended_tenant_with_an_account()
    api = api_client(tenant, user_of(tenant, "owner"))
    for url in ("/api/v1/accounts/?export", "/api/v1/accounts/?export=csv", "/api/v1/users/?export"):
        response = api.get(url)
        assert response.status_code == 402, url
        assert "Kept" not in response.content.decode()
    browser = signed_in(tenant)
    for url in ("/accounts/?export=csv", "/?export", "/settings/users/?export=1"):
        response = browser.get(url)
        assert response.status_code == 402, url
        assert "Kept" not in response.content.decode()


def test_a_suspended_tenant_still_downloads_its_exports(db, spare_pool):
    tenant = _suspended_tenant_with_an_account()
    api = api_client(tenant, user_of(tenant, "owner"))
    download = api.get("/api/v1/accounts/export/?file_format=csv")
    assert download.status_code == 200 and "Kept" in download.content.decode()
    page_download = signed_in(tenant).get("/accounts/export/?file_format=csv")
    assert page_download.status_code == 200 and "Kept" in page_download.content.decode()
    # Only reading: an export URL does not take writes.
    assert api.post("/api/v1/accounts/export/").status_code == 402
