"""Backups asked for by hand (API and page): one at a time per tenant, and at most
BACKUP_MANUAL_PER_DAY in 24 hours. Refusals start nothing."""

import datetime
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from ops.backups import tasks
from ops.models import Backup
from tests.conftest import api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(tenant_a):
    return api_client(tenant_a, user_of(tenant_a, "admin"))


def _backup(tenant, status, kind=Backup.Kind.MANUAL, age=datetime.timedelta(hours=1)):
    return Backup.objects.create(
        tenant=tenant,
        schema_name=tenant.schema_name,
        subdomain=tenant.subdomain,
        status=status,
        kind=kind,
        requested_by="admin@alpha.test",
        created_at=timezone.now() - age,
    )


@pytest.mark.parametrize("status", [Backup.Status.PENDING, Backup.Status.RUNNING])
@pytest.mark.parametrize("kind", [Backup.Kind.MANUAL, Backup.Kind.SCHEDULED])
def test_a_second_backup_while_one_is_under_way_is_409(admin_api, tenant_a, status, kind):
    _backup(tenant_a, status, kind=kind)
    with mock.patch.object(tasks.run_backup, "delay") as delay:
        response = admin_api.post("/api/v1/backups/", format="json")
    assert response.status_code == 409
    assert "already pending or running" in response.json()["detail"]
    assert Backup.objects.filter(tenant=tenant_a).count() == 1
    delay.assert_not_called()


def test_two_quick_requests_start_one_backup(admin_api, tenant_a):
    with mock.patch.object(tasks.run_backup, "delay"):
        assert admin_api.post("/api/v1/backups/", format="json").status_code == 202
        assert admin_api.post("/api/v1/backups/", format="json").status_code == 409
    assert Backup.objects.filter(tenant=tenant_a).count() == 1


def test_after_the_days_manual_backups_the_next_is_429_until_one_is_a_day_old(admin_api, tenant_a, settings):
    settings.BACKUP_MANUAL_PER_DAY = 2
    _backup(tenant_a, Backup.Status.DONE, age=datetime.timedelta(hours=20))
    _backup(tenant_a, Backup.Status.FAILED, age=datetime.timedelta(hours=2))
    _backup(tenant_a, Backup.Status.DONE, kind=Backup.Kind.SCHEDULED)  # nightly ones do not count
    _backup(tenant_a, Backup.Status.DONE, age=datetime.timedelta(hours=30))  # nor those older than a day
    response = admin_api.post("/api/v1/backups/", format="json")
    assert response.status_code == 429
    assert "2 manual backups in the last 24 hours" in response.json()["detail"]
    # The one taken 20 hours ago leaves the window in 4 hours.
    assert 3 * 3600 < int(response["Retry-After"]) <= 4 * 3600
    assert Backup.objects.filter(tenant=tenant_a).count() == 4

    Backup.objects.filter(tenant=tenant_a, created_at__gt=timezone.now() - datetime.timedelta(hours=21)).filter(
        created_at__lt=timezone.now() - datetime.timedelta(hours=19)
    ).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    with mock.patch.object(tasks.run_backup, "delay"):
        assert admin_api.post("/api/v1/backups/", format="json").status_code == 202


def test_the_page_refuses_a_second_backup_with_a_message(tenant_a):
    _backup(tenant_a, Backup.Status.RUNNING)
    client = Client(HTTP_HOST=host(tenant_a))
    with in_tenant(tenant_a):
        client.force_login(user_of(tenant_a, "admin"))
    with mock.patch.object(tasks.run_backup, "delay") as delay:
        response = client.post("/backups/run/", follow=True)
    assert "already pending or running" in response.content.decode()
    assert "Backup started" not in response.content.decode()
    assert Backup.objects.filter(tenant=tenant_a).count() == 1
    delay.assert_not_called()


def test_the_page_refuses_past_the_daily_limit(tenant_a, settings):
    settings.BACKUP_MANUAL_PER_DAY = 1
    _backup(tenant_a, Backup.Status.DONE)
    client = Client(HTTP_HOST=host(tenant_a))
    with in_tenant(tenant_a):
        client.force_login(user_of(tenant_a, "admin"))
    with mock.patch.object(tasks.run_backup, "delay"):
        response = client.post("/backups/run/", follow=True)
    assert "1 manual backup in the last 24 hours" in response.content.decode()
    assert Backup.objects.filter(tenant=tenant_a).count() == 1
