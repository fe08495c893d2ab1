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


# Activities on a lead -----------------------------------------------------------


def _lead(tenant, owner="sales"):
    from tests.factories import make_lead

    with in_tenant(tenant):
        return make_lead(by=user_of(tenant, "admin"), owner=user_of(tenant, owner))


def test_a_call_is_logged_on_a_lead_from_its_page_and_shown_on_its_timeline(tenant_a):
    lead = _lead(tenant_a)
    client = browser(tenant_a, "sales")
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert f"/leads/{lead.pk}/activities/" in page
    response = client.post(
        f"/leads/{lead.pk}/activities/",
        {"kind": "call", "subject": "First call", "duration_minutes": "15", "body": "Wants a demo"},
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        activity = Activity.objects.get(subject="First call")
    assert activity.lead_id == lead.pk
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "First call" in page
    assert "Wants a demo" in page
    assert "15 minutes" in page


def test_a_leads_activities_are_seen_by_who_sees_the_lead_only(tenant_a):
    from django.contrib.contenttypes.models import ContentType

    from crm.access.models import RecordShare

    lead = _lead(tenant_a)
    sales = api_client(tenant_a, user_of(tenant_a, "sales"))
    created = sales.post(
        "/api/v1/activities/", {"kind": "call", "subject": "Lead call", "lead": lead.pk}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["lead"] == lead.pk
    url = f"/api/v1/activities/{created.json()['id']}/"
    other = api_client(tenant_a, user_of(tenant_a, "sales2"))
    assert other.get(url).status_code == 404
    # Nor may they log on a lead they cannot see: it answers like a missing one.
    refused = other.post("/api/v1/activities/", {"kind": "call", "subject": "Sneaky", "lead": lead.pk}, format="json")
    assert refused.status_code == 400
    assert "lead" in str(refused.json())
    page = browser(tenant_a, "sales2").post(f"/leads/{lead.pk}/activities/", {"kind": "call", "subject": "X"})
    assert page.status_code == 404
    # Once the lead is shared with them, they see what was logged on it.
    with in_tenant(tenant_a):
        RecordShare.objects.create(
            content_type=ContentType.objects.get_for_model(type(lead)),
            object_id=lead.pk,
            user=user_of(tenant_a, "sales2"),
        )
    assert other.get(url).status_code == 200
    assert "Lead call" in browser(tenant_a, "sales2").get(f"/leads/{lead.pk}/").content.decode()


def test_what_was_logged_on_a_lead_shows_on_the_contact_it_became(tenant_a):
    from crm.leads.services import convert_lead

    lead = _lead(tenant_a)
    client = browser(tenant_a, "sales")
    client.post(f"/leads/{lead.pk}/activities/", {"kind": "call", "subject": "Before converting"})
    with in_tenant(tenant_a):
        converted = convert_lead(lead=lead, by=user_of(tenant_a, "sales"))
    assert "Before converting" in client.get(f"/contacts/{converted.converted_contact_id}/").content.decode()
    assert "Before converting" in client.get(f"/accounts/{converted.converted_account_id}/").content.decode()
