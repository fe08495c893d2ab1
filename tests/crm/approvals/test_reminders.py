"""Reminders of tasks waiting too long (the beat task, tenant-aware) and urging
(催办) by the submitter, once an hour."""

import datetime
import time

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from crm.activities.models import Notification
from crm.approvals import services
from crm.approvals.models import ApprovalRequest, ApprovalSettings, ApprovalTask
from crm.approvals.tasks import sweep_approvals_everywhere
from crm.audit.models import AuditEvent
from tests.tenancy import in_tenant, user_of

from .conftest import deal_of, submit


def waited(tenant, request, hours):
    with in_tenant(tenant):
        ApprovalTask.objects.filter(request=request).update(created_at=timezone.now() - datetime.timedelta(hours=hours))


def remind(tenant, capture, now=None):
    with in_tenant(tenant), capture(execute=True):
        return services.remind_waiting_approvers(now)


def reminders_to(tenant, local):
    with in_tenant(tenant):
        return list(
            Notification.objects.filter(
                user=user_of(tenant, local), text__startswith="Waiting for your approval"
            ).values_list("text", flat=True)
        )


@pytest.mark.django_db
def test_a_task_waiting_longer_than_the_setting_is_reminded_in_app_and_by_email(
    tenant_a, org, django_capture_on_commit_callbacks
):
    request = submit(tenant_a, deal_of(tenant_a, name="Crane lease"))
    waited(tenant_a, request, hours=25)
    assert remind(tenant_a, django_capture_on_commit_callbacks) == 1
    assert reminders_to(tenant_a, "manager") == ["Waiting for your approval: Crane lease"]
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["manager@alpha.test"], "Waiting for your approval: Crane lease")
    ]
    assert remind(tenant_a, django_capture_on_commit_callbacks) == 0


@pytest.mark.django_db
def test_a_task_is_reminded_again_after_as_many_hours(tenant_a, org, django_capture_on_commit_callbacks):
    request = submit(tenant_a, deal_of(tenant_a))
    waited(tenant_a, request, hours=25)
    remind(tenant_a, django_capture_on_commit_callbacks)
    later = timezone.now() + datetime.timedelta(hours=24, minutes=1)
    assert remind(tenant_a, django_capture_on_commit_callbacks, now=later) == 1


@pytest.mark.django_db
def test_no_reminder_before_the_time_nor_when_switched_off(tenant_a, org, django_capture_on_commit_callbacks):
    request = submit(tenant_a, deal_of(tenant_a))
    waited(tenant_a, request, hours=23)
    assert remind(tenant_a, django_capture_on_commit_callbacks) == 0
    with in_tenant(tenant_a):
        services.update_settings(by=user_of(tenant_a, "admin"), remind_after_hours=None)
    waited(tenant_a, request, hours=100)
    assert remind(tenant_a, django_capture_on_commit_callbacks) == 0
    assert mail.outbox == [] and reminders_to(tenant_a, "manager") == []


@pytest.mark.django_db
def test_the_tenants_setting_decides_how_long(tenant_a, org, django_capture_on_commit_callbacks):
    with in_tenant(tenant_a):
        services.update_settings(by=user_of(tenant_a, "admin"), remind_after_hours=2)
    request = submit(tenant_a, deal_of(tenant_a))
    waited(tenant_a, request, hours=3)
    assert remind(tenant_a, django_capture_on_commit_callbacks) == 1


@pytest.mark.django_db
def test_the_submitter_urges_the_approvers_once_an_hour(tenant_a, org, django_capture_on_commit_callbacks):
    request = submit(tenant_a, deal_of(tenant_a, name="Crane lease"))
    sales = user_of(tenant_a, "sales")
    with in_tenant(tenant_a), django_capture_on_commit_callbacks(execute=True):
        assert services.urge(request=request, by=sales) == 1
        with pytest.raises(services.UrgedTooSoon):
            services.urge(request=request, by=sales)
    assert [m.to for m in mail.outbox] == [["manager@alpha.test"]]
    with in_tenant(tenant_a):
        assert Notification.objects.filter(user=user_of(tenant_a, "manager"), text__contains="asks you").count() == 1
        ApprovalRequest.objects.filter(pk=request.pk).update(
            last_urged_at=timezone.now() - datetime.timedelta(minutes=61)
        )
        assert services.urge(request=request, by=sales) == 1


@pytest.mark.django_db
def test_only_the_submitter_urges(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a))
    with in_tenant(tenant_a), pytest.raises(PermissionDenied):
        services.urge(request=request, by=user_of(tenant_a, "director"))


@pytest.mark.celery
def test_the_beat_fan_out_reminds_through_the_worker(committed_db, celery_worker, tenant_a, settings):
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
    name = f"Worker deal {time.time_ns()}"
    with in_tenant(tenant_a):
        ApprovalSettings.objects.update_or_create(pk=1, defaults={"remind_after_hours": 24})
    deal = deal_of(tenant_a, owner="sales2", name=name)
    request = submit(tenant_a, deal, by="sales2")
    try:
        waited(tenant_a, request, hours=30)
        sweep_approvals_everywhere.delay()
        deadline = time.time() + 60
        while not [m for m in mail.outbox if name in m.subject] and time.time() < deadline:
            time.sleep(0.2)
        assert [m.to for m in mail.outbox if name in m.subject] == [["admin@alpha.test"]]
        with in_tenant(tenant_a):
            assert ApprovalTask.objects.get(request=request).reminded_at is not None
    finally:
        with in_tenant(tenant_a):
            Notification.objects.filter(text__contains=name).delete()
            AuditEvent.objects.filter(target_type="approvals.approvalrequest", target_id=request.pk).delete()
            AuditEvent.objects.filter(target_type="deals.deal", target_id=deal.pk).delete()
            AuditEvent.objects.filter(target_type="accounts.account", target_id=deal.account_id).delete()
            ApprovalRequest.objects.filter(pk=request.pk).delete()
            deal.delete()
            deal.account.delete()
