"""Suspend, unsuspend and delete a tenant, as ops do with the commands."""

import datetime
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tenants.utils import schema_exists

from ops.lifecycle import final_backup, services
from ops.lifecycle.tasks import purge_deleted_tenants
from ops.models import Backup
from tenants.models import Tenant
from tests.tenancy import api_client, sign_up, user_of

Lifecycle = Tenant.Lifecycle
DAY = datetime.timedelta(days=1)


def reloaded(tenant):
    return Tenant.objects.filter(pk=tenant.pk).first()


@pytest.mark.django_db
def test_a_suspended_tenant_answers_503_and_unsuspending_opens_it_again(spare_pool):
    tenant = sign_up()
    api = api_client(tenant, user_of(tenant, "owner"))

    call_command("suspend_tenant", tenant.subdomain, stdout=mock.Mock())
    closed = api.get("/api/v1/accounts/")
    call_command("unsuspend_tenant", tenant.subdomain, stdout=mock.Mock())
    opened = api.get("/api/v1/accounts/")

    assert closed.status_code == 503 and "suspended by the provider" in closed.json()["detail"]
    assert opened.status_code == 200
    assert reloaded(tenant).lifecycle == Lifecycle.ACTIVE


@pytest.mark.django_db
def test_a_tenant_being_deleted_is_only_reopened_with_cancel_deletion(spare_pool):
    tenant = sign_up()
    Tenant.objects.filter(pk=tenant.pk).update(lifecycle=Lifecycle.DELETING, delete_after=timezone.now() + DAY)

    with pytest.raises(CommandError, match="--cancel-deletion"):
        call_command("unsuspend_tenant", tenant.subdomain)
    assert reloaded(tenant).lifecycle == Lifecycle.DELETING

    call_command("unsuspend_tenant", tenant.subdomain, "--cancel-deletion", stdout=mock.Mock())
    assert reloaded(tenant).lifecycle == Lifecycle.ACTIVE and reloaded(tenant).delete_after is None


@pytest.mark.django_db
def test_delete_now_without_yes_really_changes_nothing(spare_pool):
    tenant = sign_up()

    with pytest.raises(CommandError, match="--yes-really"):
        call_command("delete_tenant", tenant.subdomain, "--now")

    assert reloaded(tenant).lifecycle == Lifecycle.ACTIVE and schema_exists(tenant.schema_name)


def test_delete_takes_a_final_backup_and_keeps_the_schema_until_the_grace_has_passed(committed_tenant, local_backups):
    tenant = committed_tenant
    api = api_client(tenant, user_of(tenant, "owner"))
    media_dir = local_backups.parent / "media" / tenant.schema_name
    assert media_dir.is_dir()

    call_command("delete_tenant", tenant.subdomain, stdout=mock.Mock())

    final = Backup.objects.get(schema_name=tenant.schema_name, kind=Backup.Kind.FINAL)
    assert final.status == Backup.Status.DONE
    deleting = reloaded(tenant)
    assert deleting.lifecycle == Lifecycle.DELETING
    grace = datetime.timedelta(days=settings.TENANT_DELETION_GRACE_DAYS)
    assert abs(deleting.delete_after - (timezone.now() + grace)) < datetime.timedelta(minutes=5)
    assert api.get("/api/v1/accounts/").status_code == 503

    # The daily task, a day before the grace ends: nothing happens.
    with mock.patch("django.utils.timezone.now", return_value=deleting.delete_after - DAY):
        purge_deleted_tenants.apply()
    assert schema_exists(tenant.schema_name) and reloaded(tenant) is not None

    # The daily task, a day after.
    with mock.patch("django.utils.timezone.now", return_value=deleting.delete_after + DAY):
        purge_deleted_tenants.apply()
    assert not schema_exists(tenant.schema_name)
    assert reloaded(tenant) is None and not media_dir.exists()
    # The final backup outlives the tenant.
    assert Backup.objects.get(pk=final.pk).status == Backup.Status.DONE


def test_a_failed_final_backup_leaves_the_tenant_suspended_and_not_scheduled(committed_tenant, monkeypatch):
    tenant = committed_tenant

    def failing(tenant):
        raise RuntimeError("storage unreachable")

    monkeypatch.setattr(final_backup, "take", failing)
    with pytest.raises(CommandError, match="storage unreachable"):
        call_command("delete_tenant", tenant.subdomain, stdout=mock.Mock())

    assert reloaded(tenant).lifecycle == Lifecycle.SUSPENDED and reloaded(tenant).delete_after is None
    assert services.purge_due_deletions(now=timezone.now() + 365 * DAY) == []
    assert schema_exists(tenant.schema_name)


def test_delete_now_with_yes_really_drops_the_tenant_after_its_final_backup(committed_tenant, local_backups):
    tenant = committed_tenant

    call_command("delete_tenant", tenant.subdomain, "--now", "--yes-really", stdout=mock.Mock())

    assert reloaded(tenant) is None and not schema_exists(tenant.schema_name)
    assert Backup.objects.get(schema_name=tenant.schema_name, kind=Backup.Kind.FINAL).status == Backup.Status.DONE


def test_a_tenant_reopened_before_the_purge_is_kept(committed_tenant, local_backups):
    tenant = committed_tenant
    call_command("delete_tenant", tenant.subdomain, stdout=mock.Mock())
    call_command("unsuspend_tenant", tenant.subdomain, "--cancel-deletion", stdout=mock.Mock())

    assert services.purge_due_deletions(now=timezone.now() + 365 * DAY) == []
    assert schema_exists(tenant.schema_name) and reloaded(tenant).lifecycle == Lifecycle.ACTIVE


def test_the_purge_runs_daily_on_beat():
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "ops.lifecycle.tasks.purge_deleted_tenants"
    ]
    assert len(entries) == 1 and entries[0]["schedule"].hour == {3}
