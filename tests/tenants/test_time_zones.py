"""The company's time zone: chosen at sign-up (the browser's, else by language),
and the zone Celery tasks of that tenant run in."""

from datetime import UTC, datetime
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from tenants.models import Tenant
from tests.tenancy import api_client, in_tenant, unique_subdomain
from tests.tenants.tasks_for_tests import report_time_zone

pytestmark = pytest.mark.django_db


def payload(**overrides):
    fields = {
        "company": "Acme Ltd",
        "subdomain": unique_subdomain("tz"),
        "email": "boss@acme.test",
        "password": "a-strong-passphrase",
        "seats": 3,
        "interval": "month",
    }
    fields.update(overrides)
    return fields


def zone_of(subdomain):
    return Tenant.objects.get(subdomain=subdomain).time_zone


def test_a_chinese_signup_without_a_browser_zone_gets_asia_shanghai(spare_pool):
    body = payload()
    response = api_client().post("/api/v1/signup/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 201, response.content
    assert zone_of(body["subdomain"]) == "Asia/Shanghai"


def test_an_english_signup_without_a_browser_zone_gets_utc(spare_pool):
    body = payload()
    response = api_client().post("/api/v1/signup/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201, response.content
    assert zone_of(body["subdomain"]) == "UTC"


def test_the_browsers_zone_wins_over_the_language(spare_pool):
    body = payload(time_zone="Europe/Berlin")
    response = api_client().post("/api/v1/signup/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 201, response.content
    assert zone_of(body["subdomain"]) == "Europe/Berlin"


def test_an_unknown_zone_is_a_400_on_time_zone_and_creates_nothing(spare_pool):
    body = payload(time_zone="Mars/Olympus_Mons")
    response = api_client().post("/api/v1/signup/", body, format="json")
    assert response.status_code == 400
    assert "Mars/Olympus_Mons" in response.json()["time_zone"][0]
    assert not Tenant.objects.filter(subdomain=body["subdomain"]).exists()


def test_the_signup_page_carries_the_browser_zone_script_and_a_hidden_field(spare_pool):
    page = Client(HTTP_HOST="localhost").get("/signup/")
    content = page.content.decode()
    assert 'type="hidden" name="time_zone"' in content
    assert "signup_time_zone.js" in content


def test_the_signup_page_in_chinese_without_a_zone_gets_asia_shanghai(spare_pool):
    body = payload(time_zone="")
    response = Client(HTTP_HOST="localhost").post("/signup/", body, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert zone_of(body["subdomain"]) == "Asia/Shanghai"


def test_the_signup_page_keeps_the_zone_the_browser_filled_in(spare_pool):
    body = payload(time_zone="America/New_York")
    response = Client(HTTP_HOST="localhost").post("/signup/", body)
    assert response.status_code == 302
    assert zone_of(body["subdomain"]) == "America/New_York"


def test_a_tenants_task_runs_in_the_tenants_zone_and_leaves_the_worker_in_utc(tenant_a):
    Tenant.objects.filter(pk=tenant_a.pk).update(time_zone="Asia/Shanghai")
    # 16:30 UTC on 7 December is already 8 December in Shanghai.
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 12, 7, 16, 30, tzinfo=UTC)):
        with in_tenant(tenant_a):
            result = report_time_zone.apply(headers={"tenant_schema": tenant_a.schema_name}).get()
    assert tuple(result) == ("Asia/Shanghai", "2026-12-08")
    assert timezone.get_current_timezone_name() == "UTC"
