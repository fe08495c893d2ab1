"""The backups API (CONTRACT.md, "Backups"): admins only, scoped to their own
tenant, 202 for the work it queues."""

from unittest import mock

import pytest
from django.utils import timezone

from crm.audit.models import AuditEvent
from ops.backups import tasks
from ops.models import Backup, Restore
from tenants.models import Tenant
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def _done_backup(tenant, **fields):
    return Backup.objects.create(
        tenant=tenant,
        schema_name=tenant.schema_name,
        subdomain=tenant.subdomain,
        status=Backup.Status.DONE,
        size=1234,
        checksum="ab" * 32,
        finished_at=timezone.now(),
        **fields,
    )


@pytest.fixture
def admin_api(tenant_a):
    return api_client(tenant_a, user_of(tenant_a, "admin"))


def test_an_admin_asks_for_a_backup_and_gets_202_pending(admin_api, tenant_a, django_capture_on_commit_callbacks):
    with mock.patch.object(tasks.run_backup, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post("/api/v1/backups/", format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending" and isinstance(body["id"], int)
    backup = Backup.objects.get(pk=body["id"])
    assert backup.tenant == tenant_a and backup.requested_by == f"admin@{tenant_a.owner_email.split('@')[1]}"
    delay.assert_called_once_with(backup.pk)
    with in_tenant(tenant_a):
        assert AuditEvent.objects.filter(action="backup.requested", target_id=backup.pk).exists()


def test_list_and_detail_show_the_contract_fields(admin_api, tenant_a):
    backup = _done_backup(tenant_a)
    listing = admin_api.get("/api/v1/backups/").json()
    assert listing["count"] == 1
    item = listing["results"][0]
    assert {"id", "status", "size", "created_at", "checksum"} <= set(item)
    assert (item["id"], item["status"], item["size"], item["checksum"]) == (backup.pk, "done", 1234, "ab" * 32)
    assert admin_api.get(f"/api/v1/backups/{backup.pk}/").json()["id"] == backup.pk


def test_another_tenants_backup_is_404_for_reading_and_restoring(admin_api, tenant_b):
    theirs = _done_backup(tenant_b)
    assert admin_api.get(f"/api/v1/backups/{theirs.pk}/").status_code == 404
    assert admin_api.post(f"/api/v1/backups/{theirs.pk}/restore/").status_code == 404
    assert admin_api.get("/api/v1/backups/").json()["count"] == 0
    assert not Restore.objects.exists()
    assert not Tenant.objects.get(pk=tenant_b.pk).restoring


@pytest.mark.parametrize("role", ["director", "manager", "sales"])
def test_only_admins_may_use_backups(role, tenant_a):
    mine = _done_backup(tenant_a)
    client = api_client(tenant_a, user_of(tenant_a, role))
    with mock.patch.object(tasks.run_backup, "delay") as delay:
        assert client.get("/api/v1/backups/").status_code == 403
        assert client.post("/api/v1/backups/").status_code == 403
        assert client.post(f"/api/v1/backups/{mine.pk}/restore/").status_code == 403
    assert Backup.objects.filter(tenant=tenant_a).count() == 1
    assert not Restore.objects.exists()
    delay.assert_not_called()


def test_anonymous_is_401(tenant_a):
    assert api_client(tenant_a).get("/api/v1/backups/").status_code == 401


def test_restore_answers_202_and_turns_the_crm_read_only(admin_api, tenant_a, django_capture_on_commit_callbacks):
    backup = _done_backup(tenant_a)
    with mock.patch.object(tasks.run_restore, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(f"/api/v1/backups/{backup.pk}/restore/")
    assert response.status_code == 202
    restore = Restore.objects.get(pk=response.json()["id"])
    assert response.json()["status"] == "pending" and restore.backup == backup
    delay.assert_called_once_with(restore.pk)
    assert Tenant.objects.get(pk=tenant_a.pk).restoring
    # Read-only while it runs: reads work, writes are refused with the reason.
    assert admin_api.get("/api/v1/backups/").status_code == 200
    refused = admin_api.post("/api/v1/contacts/", {"first_name": "Ann"}, format="json")
    assert refused.status_code == 503 and "restored" in refused.json()["detail"]


def test_an_unfinished_backup_cannot_be_restored(admin_api, tenant_a):
    pending = Backup.objects.create(tenant=tenant_a, schema_name=tenant_a.schema_name, subdomain=tenant_a.subdomain)
    response = admin_api.post(f"/api/v1/backups/{pending.pk}/restore/")
    assert response.status_code == 409 and "finished" in response.json()["detail"]
    assert not Restore.objects.exists() and not Tenant.objects.get(pk=tenant_a.pk).restoring
