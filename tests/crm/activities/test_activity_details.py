"""An activity's notes, when it happened (or is planned, in the user's own zone)
and how long it took: logged from a record's page and through the API, shown
on the timeline."""

import datetime
import zoneinfo

import pytest
from django.test import Client

from crm.activities.models import Activity
from crm.users.models import User
from tests.factories import make_account
from tests.tenancy import api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db

SHANGHAI = "Asia/Shanghai"


def browser(tenant, who):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, who))
    return client


@pytest.fixture
def account(tenant_a):
    with in_tenant(tenant_a):
        return make_account(by=user_of(tenant_a, "sales"))


def test_a_planned_call_with_notes_and_duration_is_logged_in_the_users_zone_and_shown(tenant_a, account):
    with in_tenant(tenant_a):
        User.objects.filter(pk=user_of(tenant_a, "sales").pk).update(time_zone=SHANGHAI)
    client = browser(tenant_a, "sales")
    response = client.post(
        f"/accounts/{account.pk}/activities/",
        {
            "kind": "call",
            "subject": "Quarterly review",
            "occurred_at": "2031-03-04T09:30",
            "duration_minutes": "45",
            "body": "Talk about the renewal",
        },
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        activity = Activity.objects.get(account=account, subject="Quarterly review")
    assert activity.occurred_at == datetime.datetime(2031, 3, 4, 9, 30, tzinfo=zoneinfo.ZoneInfo(SHANGHAI))
    assert activity.duration_minutes == 45
    assert activity.body == "Talk about the renewal"
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert "45 minutes" in page
    assert "Talk about the renewal" in page


def test_a_duration_out_of_range_is_refused_with_the_fields_message(tenant_a, account):
    client = browser(tenant_a, "sales")
    response = client.post(
        f"/accounts/{account.pk}/activities/",
        {"kind": "call", "subject": "Too long", "duration_minutes": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'id="id_duration_minutes-error"' in response.content.decode()
    with in_tenant(tenant_a):
        assert not Activity.objects.filter(subject="Too long").exists()


def test_the_api_takes_and_returns_the_duration(tenant_a, account):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    created = client.post(
        "/api/v1/activities/",
        {"kind": "meeting", "subject": "Visit", "account": account.pk, "duration_minutes": 90, "body": "On site"},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["duration_minutes"] == 90
    assert created.json()["body"] == "On site"
    refused = client.post(
        "/api/v1/activities/",
        {"kind": "meeting", "subject": "Endless", "account": account.pk, "duration_minutes": 5000},
        format="json",
    )
    assert refused.status_code == 400
    assert "duration_minutes" in str(refused.json())
    changed = client.patch(f"/api/v1/activities/{created.json()['id']}/", {"duration_minutes": 30}, format="json")
    assert changed.status_code == 200
    assert changed.json()["duration_minutes"] == 30
