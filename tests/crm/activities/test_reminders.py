import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from crm.activities import services
from crm.activities.models import Notification, Task
from crm.activities.tasks import deliver_reminders_everywhere
from crm.audit.models import AuditEvent
from tests.tenancy import api_client, in_tenant, user_of


def make_task(tenant, assignee="sales", title="Send the quote", remind_in=timedelta(minutes=-1), **fields):
    with in_tenant(tenant):
        return services.create_task(
            by=user_of(tenant, "admin"),
            title=title,
            assignee=user_of(tenant, assignee),
            remind_at=timezone.now() + remind_in,
            **fields,
        )


def run_reminders(tenant, capture):
    with in_tenant(tenant), capture(execute=True):
        return services.deliver_due_reminders()


@pytest.mark.django_db
def test_a_due_reminder_is_delivered_once_in_app_and_by_email(tenant_a, django_capture_on_commit_callbacks):
    task = make_task(tenant_a)
    assert run_reminders(tenant_a, django_capture_on_commit_callbacks) == 1
    assert run_reminders(tenant_a, django_capture_on_commit_callbacks) == 0

    assert [m.to for m in mail.outbox] == [["sales@alpha.test"]]
    assert "Send the quote" in mail.outbox[0].subject
    with in_tenant(tenant_a):
        notes = list(Notification.objects.filter(user=user_of(tenant_a, "sales")))
        assert [n.text for n in notes] == ["Reminder: Send the quote"]
        assert Task.objects.get(pk=task.pk).reminder_sent_at is not None
        assert AuditEvent.objects.filter(action="task.reminder_sent", target_id=task.pk).count() == 1
    listed = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/notifications/").json()
    assert [n["text"] for n in listed["results"]] == ["Reminder: Send the quote"]


@pytest.mark.django_db
def test_a_reminder_not_yet_due_or_of_a_done_task_is_not_sent(tenant_a, django_capture_on_commit_callbacks):
    make_task(tenant_a, title="Later", remind_in=timedelta(hours=1))
    make_task(tenant_a, title="Already done", done=True)
    assert run_reminders(tenant_a, django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []
    with in_tenant(tenant_a):
        assert not Notification.objects.exists()


@pytest.mark.django_db
def test_no_email_leaves_when_the_transaction_does_not_commit(tenant_a, django_capture_on_commit_callbacks):
    make_task(tenant_a)
    with in_tenant(tenant_a), django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.deliver_due_reminders()
    assert len(callbacks) == 1 and mail.outbox == []


@pytest.mark.django_db
def test_moving_the_reminder_time_arms_it_again(tenant_a, django_capture_on_commit_callbacks):
    task = make_task(tenant_a)
    run_reminders(tenant_a, django_capture_on_commit_callbacks)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    again = (timezone.now() - timedelta(seconds=5)).isoformat()
    assert client.patch(f"/api/v1/tasks/{task.pk}/", {"remind_at": again}, format="json").status_code == 200
    assert run_reminders(tenant_a, django_capture_on_commit_callbacks) == 1
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_sales_cannot_see_or_change_another_users_task(tenant_a):
    task = make_task(tenant_a, assignee="sales2", remind_in=timedelta(days=1))
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert client.get("/api/v1/tasks/").json()["count"] == 0
    assert client.patch(f"/api/v1/tasks/{task.pk}/", {"done": True}, format="json").status_code == 404
    with in_tenant(tenant_a):
        assert not Task.objects.get(pk=task.pk).done


@pytest.mark.django_db
def test_sales_cannot_assign_a_task_to_someone_else(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(
        "/api/v1/tasks/", {"title": "Yours", "assignee": user_of(tenant_a, "sales2").pk}, format="json"
    )
    assert response.status_code == 400 and "assignee" in response.json()
    with in_tenant(tenant_a):
        assert not Task.objects.filter(title="Yours").exists()


@pytest.mark.django_db
def test_marking_a_task_done_stamps_it(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    created = client.post("/api/v1/tasks/", {"title": "Call back", "due_date": "2030-01-31"}, format="json")
    assert created.status_code == 201, created.content
    done = client.patch(f"/api/v1/tasks/{created.json()['id']}/", {"done": True}, format="json").json()
    assert done["done"] is True and done["done_at"] is not None


@pytest.mark.celery
def test_the_beat_fan_out_delivers_reminders_through_the_worker(committed_db, celery_worker, tenant_a, settings):
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
    title = f"Worker reminder {time.time_ns()}"
    task = make_task(tenant_a, title=title)
    try:
        deliver_reminders_everywhere.delay()
        deadline = time.time() + 60
        while not [m for m in mail.outbox if title in m.subject] and time.time() < deadline:
            time.sleep(0.2)
        assert [m.to for m in mail.outbox if title in m.subject] == [["sales@alpha.test"]]
        with in_tenant(tenant_a):
            assert Task.objects.get(pk=task.pk).reminder_sent_at is not None
            assert Notification.objects.filter(text=f"Reminder: {title}").count() == 1
    finally:
        with in_tenant(tenant_a):
            Notification.objects.filter(text=f"Reminder: {title}").delete()
            AuditEvent.objects.filter(target_type="activities.task", target_id=task.pk).delete()
            Task.objects.filter(pk=task.pk).delete()


@pytest.mark.django_db
def test_tasks_filter_by_done(tenant_a):
    make_task(tenant_a, title="Open one", remind_in=timedelta(days=1))
    make_task(tenant_a, title="Done one", done=True)
    client = api_client(tenant_a, user_of(tenant_a, "admin"))
    assert [t["title"] for t in client.get("/api/v1/tasks/?done=false").json()["results"]] == ["Open one"]
    assert [t["title"] for t in client.get("/api/v1/tasks/?done=true").json()["results"]] == ["Done one"]
    assert client.get("/api/v1/tasks/?done=maybe").status_code == 400
