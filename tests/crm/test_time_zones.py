"""Dates and times in the user's zone (their own, else the company's): shown, typed,
reminded and grouped by local day. Stored in UTC all along."""

import re
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from crm.activities import services as activity_services
from crm.activities.models import Task
from crm.audit.models import AuditEvent
from crm.users.models import User
from tenants.models import Tenant
from tests.crm.activities.factories import log, make_account
from tests.tenancy import api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db

SHANGHAI = "Asia/Shanghai"


def set_user_zone(tenant, local, zone):
    with in_tenant(tenant):
        User.objects.filter(pk=user_of(tenant, local).pk).update(time_zone=zone)


def set_company_zone(tenant, zone):
    Tenant.objects.filter(pk=tenant.pk).update(time_zone=zone)  # rolled back with the test


def browser(tenant, local, language="en"):
    client = Client(HTTP_HOST=host(tenant), HTTP_ACCEPT_LANGUAGE=language)
    with in_tenant(tenant):
        client.force_login(user_of(tenant, local))
    return client


def shown_time(content, subject):
    """The text of the <time> element of the activity `subject` on a page."""
    block = content.split(subject)[0].rsplit("<time", 1)[1]
    return re.search(r">([^<]*)</time>", block).group(1)


def at_utc(*args):
    return datetime(*args, tzinfo=UTC)


# Shown -----------------------------------------------------------------------


def test_a_call_logged_at_23_23_beijing_shows_23_23_to_a_shanghai_user_and_15_23_to_a_utc_user(tenant_a):
    account = make_account(tenant_a, "sales", name="Beijing Trading")
    log(tenant_a, subject="Evening call", account=account, occurred_at=at_utc(2026, 12, 7, 15, 23))
    set_user_zone(tenant_a, "sales", SHANGHAI)

    as_shanghai = browser(tenant_a, "sales", "zh-hans").get(f"/accounts/{account.pk}/").content.decode()
    as_utc = browser(tenant_a, "admin", "zh-hans").get(f"/accounts/{account.pk}/").content.decode()

    assert "23:23" in shown_time(as_shanghai, "Evening call")
    assert "15:23" in shown_time(as_utc, "Evening call")


def test_a_user_without_a_zone_of_their_own_sees_the_companys(tenant_a):
    account = make_account(tenant_a, "sales", name="Beijing Trading")
    log(tenant_a, subject="Evening call", account=account, occurred_at=at_utc(2026, 12, 7, 15, 23))
    set_company_zone(tenant_a, SHANGHAI)

    page = browser(tenant_a, "admin", "zh-hans").get(f"/accounts/{account.pk}/").content.decode()

    assert "23:23" in shown_time(page, "Evening call")


def test_the_zone_is_back_to_utc_after_a_request(tenant_a):
    set_user_zone(tenant_a, "sales", SHANGHAI)
    assert browser(tenant_a, "sales").get("/").status_code == 200
    assert timezone.get_current_timezone_name() == "UTC"


# Typed and reminded ---------------------------------------------------------


def test_a_reminder_typed_for_23_30_shanghai_time_fires_at_15_30_utc(tenant_a, django_capture_on_commit_callbacks):
    set_user_zone(tenant_a, "sales", SHANGHAI)
    response = browser(tenant_a, "sales").post(
        "/tasks/new/", {"title": "Call Mr Wang back", "remind_at": "2026-12-07T23:30"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with in_tenant(tenant_a):
        task = Task.objects.get(title="Call Mr Wang back")
    assert task.remind_at == at_utc(2026, 12, 7, 15, 30)

    with in_tenant(tenant_a), django_capture_on_commit_callbacks(execute=True):
        assert activity_services.deliver_due_reminders(now=at_utc(2026, 12, 7, 15, 29)) == 0
        assert activity_services.deliver_due_reminders(now=at_utc(2026, 12, 7, 15, 30)) == 1


def test_the_task_form_shows_the_reminder_in_the_users_zone(tenant_a):
    set_user_zone(tenant_a, "sales", SHANGHAI)
    with in_tenant(tenant_a):
        task = activity_services.create_task(
            by=user_of(tenant_a, "sales"), title="Call back", remind_at=at_utc(2026, 12, 7, 15, 30)
        )
    page = browser(tenant_a, "sales").get(f"/tasks/{task.pk}/edit/").content.decode()
    assert 'value="2026-12-07T23:30"' in page


# Grouped by local day ---------------------------------------------------------


@pytest.fixture
def due_by_local_day(tenant_a):
    """Accounts of sales due on 7 and 8 December (Shanghai days)."""
    for name, day in (("Due 7th", date(2026, 12, 7)), ("Due 8th", date(2026, 12, 8))):
        log(
            tenant_a,
            subject="Call",
            account=make_account(tenant_a, "sales", name=name),
            occurred_at=at_utc(2026, 12, 1, 4),
            next_contact_at=day,
        )


def worklist(tenant, name):
    response = api_client(tenant, user_of(tenant, "sales")).get(f"/api/v1/worklists/{name}/")
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_at_00_30_in_shanghai_today_is_the_new_local_day(tenant_a, due_by_local_day):
    set_user_zone(tenant_a, "sales", SHANGHAI)
    # 16:30 UTC on the 7th is 00:30 on the 8th in Shanghai.
    with mock.patch("django.utils.timezone.now", return_value=at_utc(2026, 12, 7, 16, 30)):
        assert worklist(tenant_a, "today") == ["Due 8th"]
        assert worklist(tenant_a, "overdue") == ["Due 7th"]


def test_the_same_moment_is_still_the_7th_for_a_utc_user(tenant_a, due_by_local_day):
    with mock.patch("django.utils.timezone.now", return_value=at_utc(2026, 12, 7, 16, 30)):
        assert worklist(tenant_a, "today") == ["Due 7th"]
        assert worklist(tenant_a, "overdue") == []


def test_the_tasks_page_groups_today_by_the_users_local_day(tenant_a):
    set_user_zone(tenant_a, "sales", SHANGHAI)
    with in_tenant(tenant_a):
        for title, day in (("Task of the 7th", date(2026, 12, 7)), ("Task of the 8th", date(2026, 12, 8))):
            activity_services.create_task(by=user_of(tenant_a, "sales"), title=title, due_date=day)
    with mock.patch("django.utils.timezone.now", return_value=at_utc(2026, 12, 7, 16, 30)):
        page = browser(tenant_a, "sales").get("/tasks/").content.decode()
    today = page.split('data-testid="tasks-today"')[1].split("</section>")[0]
    assert "Task of the 8th" in today and "Task of the 7th" not in today


# Chosen ------------------------------------------------------------------------


def test_a_user_sets_their_own_zone_on_their_page(tenant_a):
    client = browser(tenant_a, "sales")
    assert client.get("/me/time-zone/").status_code == 200
    assert client.post("/me/time-zone/", {"time_zone": SHANGHAI}).status_code == 302
    with in_tenant(tenant_a):
        assert User.objects.get(pk=user_of(tenant_a, "sales").pk).time_zone == SHANGHAI
        assert AuditEvent.objects.filter(action="user.time_zone_changed").exists()
    assert client.post("/me/time-zone/", {"time_zone": ""}).status_code == 302
    with in_tenant(tenant_a):
        assert User.objects.get(pk=user_of(tenant_a, "sales").pk).time_zone == ""


def test_an_unknown_zone_on_the_users_page_is_a_400_with_the_message_on_the_field(tenant_a):
    response = browser(tenant_a, "sales").post("/me/time-zone/", {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 400
    with in_tenant(tenant_a):
        assert User.objects.get(pk=user_of(tenant_a, "sales").pk).time_zone == ""


def test_the_admin_sets_the_companys_zone_in_settings(tenant_a):
    response = browser(tenant_a, "admin").post("/settings/time-zone/", {"time_zone": SHANGHAI})
    assert response.status_code == 302
    assert Tenant.objects.get(pk=tenant_a.pk).time_zone == SHANGHAI
    with in_tenant(tenant_a):
        assert AuditEvent.objects.filter(action="tenant.time_zone_changed").exists()


@pytest.mark.parametrize("local", ["director", "manager", "sales"])
def test_only_the_admin_may_change_the_companys_zone(tenant_a, local):
    response = browser(tenant_a, local).post("/settings/time-zone/", {"time_zone": SHANGHAI})
    assert response.status_code == 404
    assert Tenant.objects.get(pk=tenant_a.pk).time_zone == "UTC"


def test_me_endpoint_reads_and_sets_the_callers_zone(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert client.get("/api/v1/me/").json()["time_zone"] is None
    response = client.patch("/api/v1/me/", {"time_zone": SHANGHAI}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["time_zone"] == SHANGHAI and response.json()["effective_time_zone"] == SHANGHAI


def test_me_endpoint_answers_400_on_time_zone_for_an_unknown_zone(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.patch("/api/v1/me/", {"time_zone": "Mars/Olympus_Mons"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["time_zone"]


def test_an_api_date_time_with_its_offset_is_kept_exact_for_a_shanghai_user(tenant_a):
    set_user_zone(tenant_a, "sales", SHANGHAI)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post("/api/v1/tasks/", {"title": "Call", "remind_at": "2026-12-07T23:30:00+08:00"}, format="json")
    assert response.status_code == 201, response.content
    with in_tenant(tenant_a):
        assert Task.objects.get(pk=response.json()["id"]).remind_at == at_utc(2026, 12, 7, 15, 30)
    assert timedelta(0) == datetime.fromisoformat(response.json()["remind_at"]) - at_utc(2026, 12, 7, 15, 30)


def test_the_admin_sets_a_users_zone_through_the_users_api(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "admin"))
    sales = user_of(tenant_a, "sales")
    response = client.patch(f"/api/v1/users/{sales.pk}/", {"time_zone": SHANGHAI}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["time_zone"] == SHANGHAI
    refused = client.patch(f"/api/v1/users/{sales.pk}/", {"time_zone": "Mars/Olympus_Mons"}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["time_zone"]
    with in_tenant(tenant_a):
        assert User.objects.get(pk=sales.pk).time_zone == SHANGHAI


def test_an_export_gives_moments_in_the_readers_zone(tenant_a):
    import csv
    import io

    account = make_account(tenant_a, "sales", name="Exported Trading")
    with in_tenant(tenant_a):
        type(account).objects.filter(pk=account.pk).update(created_at=at_utc(2026, 12, 7, 15, 23))
    set_user_zone(tenant_a, "sales", SHANGHAI)
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/accounts/export/?search=Exported")
    assert response.status_code == 200
    header, row = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[:2]
    assert row[header.index("Created")] == "2026-12-07T23:23:00+08:00"
