"""The admin's backups page in the tenant UI: list, back up now, restore,
progress that polls while something runs, retention."""

from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from ops.backups import selectors, tasks
from ops.models import Backup, Restore
from tenants.models import Tenant
from tests.tenancy import host, in_tenant, user_of

pytestmark = pytest.mark.django_db


def browser(tenant, local, htmx=False):
    client = Client(HTTP_HOST=host(tenant), **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, local))
    return client


def _backup(tenant, status=Backup.Status.DONE, **fields):
    return Backup.objects.create(
        tenant=tenant,
        schema_name=tenant.schema_name,
        subdomain=tenant.subdomain,
        status=status,
        size=2048 if status == Backup.Status.DONE else None,
        checksum="cd" * 32 if status == Backup.Status.DONE else "",
        **fields,
    )


def test_the_admin_sees_the_backups_in_the_sidebar_and_on_the_page(tenant_a, tenant_b):
    mine, theirs = _backup(tenant_a), _backup(tenant_b)
    page = browser(tenant_a, "admin").get("/backups/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/backups/"' in html
    assert f'data-testid="backup-{mine.pk}"' in html and f'data-testid="restore-{mine.pk}"' in html
    assert f'data-testid="backup-{theirs.pk}"' not in html
    assert "hx-trigger" not in html.split('id="backups"')[1].split(">")[0]  # nothing running: no polling


@pytest.mark.parametrize("role", ["director", "manager", "sales"])
def test_other_roles_neither_see_nor_open_it(role, tenant_a):
    client = browser(tenant_a, role)
    assert 'href="/backups/"' not in client.get("/").content.decode()
    assert client.get("/backups/").status_code == 404
    assert client.post("/backups/run/").status_code == 404
    assert not Backup.objects.filter(tenant=tenant_a).exists()


def test_back_up_now_queues_a_backup_and_the_page_follows_it(tenant_a, django_capture_on_commit_callbacks):
    client = browser(tenant_a, "admin")
    with mock.patch.object(tasks.run_backup, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/backups/run/")
    assert response.status_code == 302
    backup = selectors.backups_of(tenant_a).get()
    delay.assert_called_once_with(backup.pk)
    Backup.objects.filter(pk=backup.pk).update(status=Backup.Status.RUNNING, progress_done=3, progress_total=40)

    fragment = browser(tenant_a, "admin", htmx=True).get("/backups/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in fragment
    assert 'data-testid="backup-progress" data-status="running"' in fragment and 'value="3"' in fragment

    Backup.objects.filter(pk=backup.pk).update(status=Backup.Status.DONE, finished_at=timezone.now())
    fragment = browser(tenant_a, "admin", htmx=True).get("/backups/progress/").content.decode()
    assert "hx-trigger" not in fragment


def test_restore_from_the_page_shows_its_progress_and_the_banner(tenant_a, django_capture_on_commit_callbacks):
    backup = _backup(tenant_a)
    client = browser(tenant_a, "admin")
    with mock.patch.object(tasks.run_restore, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/backups/{backup.pk}/restore/").status_code == 302
    restore = Restore.objects.get(backup=backup)
    delay.assert_called_once_with(restore.pk)
    Restore.objects.filter(pk=restore.pk).update(
        status=Restore.Status.RUNNING, stage="load", progress_total=50, progress_done=20
    )
    page = client.get("/backups/").content.decode()
    assert 'data-testid="restore-progress" data-status="running"' in page and "Loading the backup" in page
    assert "A backup is being restored" in page  # the read-only banner
    assert f'data-testid="restore-{backup.pk}"' not in page  # no second restore meanwhile
    # Writes are refused while it runs, this page's too.
    assert client.post("/backups/run/").status_code == 503


def test_another_tenants_backup_cannot_be_restored_from_here(tenant_a, tenant_b):
    theirs = _backup(tenant_b)
    assert browser(tenant_a, "admin").post(f"/backups/{theirs.pk}/restore/").status_code == 404
    assert not Restore.objects.exists()
    assert not Tenant.objects.get(pk=tenant_b.pk).restoring


def test_retention_is_saved_within_limits(tenant_a):
    client = browser(tenant_a, "admin")
    refused = client.post("/backups/retention/", {"daily": 0, "weekly": 4, "monthly": 12})
    assert refused.status_code == 400 and 'class="field invalid"' in refused.content.decode()
    assert client.post("/backups/retention/", {"daily": 10, "weekly": 4, "monthly": 6}).status_code == 302
    assert selectors.retention_policy(tenant_a).daily == 10


def test_a_poll_after_the_session_ended_sends_the_page_to_sign_in(tenant_a):
    response = Client(HTTP_HOST=host(tenant_a), HTTP_HX_REQUEST="true").get("/backups/progress/")
    assert response["HX-Redirect"].startswith("/login/")
