"""GET /metrics: Prometheus' text format on any host, with request latency by view,
task durations, the spare pool and backup age per tenant."""

import socket
import urllib.request
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from ops.observability import checks, exposition
from tenants.models import SpareSchema
from tests.ops.observability import sample_tasks
from tests.tenancy import host

pytestmark = pytest.mark.django_db

EXPECTED_NAMES = {
    "crm_http_request_duration_seconds",
    "crm_celery_task_duration_seconds",
    "crm_db_connections_recycled",
    "crm_spare_schema_pool_size",
    "crm_spare_schema_pool_target",
}


TOKEN = "scrape-secret"


@pytest.fixture(autouse=True)
def _metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(hostname="localhost", **headers):
    headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {TOKEN}")
    response = Client(HTTP_HOST=hostname, **headers).get("/metrics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {family.name: family for family in text_string_to_metric_families(response.content.decode())}


def sample(families, name, **labels):
    """The value of the sample `name` with exactly these labels (None when absent)."""
    family_name = name.removesuffix("_count").removesuffix("_sum").removesuffix("_bucket")
    family = families.get(family_name) or families.get(name)
    for s in family.samples if family else ():
        if s.name == name and s.labels == labels:
            return s.value
    return None


@pytest.mark.parametrize("hostname", ["localhost", "10.0.0.7:8000", "nosuchtenant.localhost"])
def test_metrics_answers_on_any_host_with_the_expected_metrics(hostname):
    assert EXPECTED_NAMES <= set(scrape(hostname))


def test_metrics_answers_on_a_tenant_host(tenant_a):
    assert EXPECTED_NAMES <= set(scrape(host(tenant_a)))


def test_a_request_is_timed_under_its_view_name_not_its_path(tenant_a):
    labels = {"view": "login", "method": "GET", "status": "200"}
    before = sample(scrape(), "crm_http_request_duration_seconds_count", **labels) or 0

    assert Client(HTTP_HOST=host(tenant_a)).get("/login/?next=/accounts/").status_code == 200

    families = scrape(host(tenant_a))
    assert sample(families, "crm_http_request_duration_seconds_count", **labels) == before + 1
    views = {s.labels.get("view") for s in families["crm_http_request_duration_seconds"].samples}
    assert not any(view.startswith("/") for view in views)


def test_an_api_request_is_timed_under_its_router_name(tenant_a):
    labels = {"view": "contact-list", "method": "GET", "status": "401"}
    before = sample(scrape(), "crm_http_request_duration_seconds_count", **labels) or 0

    Client(HTTP_HOST=host(tenant_a)).get("/api/v1/contacts/")

    assert sample(scrape(), "crm_http_request_duration_seconds_count", **labels) == before + 1


def test_a_request_to_an_unknown_host_is_counted_as_unresolved():
    labels = {"view": "unresolved", "method": "GET", "status": "404"}
    before = sample(scrape(), "crm_http_request_duration_seconds_count", **labels) or 0

    Client(HTTP_HOST="nosuchtenant.localhost").get("/contacts/12345/")

    assert sample(scrape(), "crm_http_request_duration_seconds_count", **labels) == before + 1


def test_probes_and_scrapes_are_not_timed():
    families = scrape()
    views = {s.labels["view"] for s in families["crm_http_request_duration_seconds"].samples}
    Client().get("/healthz")
    scrape()
    assert {s.labels["view"] for s in scrape()["crm_http_request_duration_seconds"].samples} == views


def test_task_duration_is_recorded_after_a_task_runs(tenant_a):
    # Run eagerly: the same prerun/postrun signals fire as on a worker, in this process.
    labels = {"task": "tests.observability.note_schema", "state": "SUCCESS"}
    before = sample(scrape(), "crm_celery_task_duration_seconds_count", **labels) or 0

    result = sample_tasks.note_schema.apply(headers={"tenant_schema": tenant_a.schema_name})

    assert result.get() == tenant_a.schema_name
    families = scrape()
    assert sample(families, "crm_celery_task_duration_seconds_count", **labels) == before + 1
    assert sample(families, "crm_celery_task_duration_seconds_sum", **labels) > 0


def test_a_failed_task_is_timed_as_failure(tenant_a):
    labels = {"task": "tests.observability.fail", "state": "FAILURE"}
    before = sample(scrape(), "crm_celery_task_duration_seconds_count", **labels) or 0

    sample_tasks.fail.apply(headers={"tenant_schema": tenant_a.schema_name})

    assert sample(scrape(), "crm_celery_task_duration_seconds_count", **labels) == before + 1


def test_pool_size_is_the_number_of_spare_schemas(settings):
    SpareSchema.objects.create(schema_name="spare_metrics_test", fingerprint="x")

    families = scrape()

    assert sample(families, "crm_spare_schema_pool_size") == SpareSchema.objects.count()
    assert sample(families, "crm_spare_schema_pool_target") == settings.SPARE_SCHEMA_POOL_SIZE


def test_backup_age_is_per_tenant_since_its_last_done_backup(tenant_a, tenant_b):
    from ops.models import Backup

    now = timezone.now()
    for age, status in (
        (timedelta(hours=30), Backup.Status.DONE),
        (timedelta(hours=2), Backup.Status.DONE),
        (timedelta(minutes=5), Backup.Status.FAILED),
    ):
        Backup.objects.create(
            tenant=tenant_a,
            schema_name=tenant_a.schema_name,
            subdomain=tenant_a.subdomain,
            status=status,
            created_at=now - age,
        )
    Backup.objects.filter(tenant=tenant_b).delete()

    families = scrape()

    age_a = sample(families, "crm_tenant_backup_age_seconds", tenant=tenant_a.schema_name, subdomain=tenant_a.subdomain)
    assert 2 * 3600 <= age_a < 2 * 3600 + 60
    # Never backed up: counted from the tenant's creation, so one alert rule covers it.
    age_b = sample(families, "crm_tenant_backup_age_seconds", tenant=tenant_b.schema_name, subdomain=tenant_b.subdomain)
    assert age_b == pytest.approx((timezone.now() - tenant_b.created_at).total_seconds(), abs=60)


def test_metrics_needs_the_token():
    assert Client().get("/metrics").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer wrong").get("/metrics").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Basic scrape-secret").get("/metrics").status_code == 401
    assert "crm_spare_schema_pool_size" in scrape(HTTP_AUTHORIZATION="Bearer scrape-secret")


def test_a_refused_scrape_says_why_in_json():
    response = Client().get("/metrics")
    assert response.json() == {"detail": "A valid metrics token is required."}
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("hostname", ["localhost", "10.0.0.7:8000", "nosuchtenant.localhost"])
def test_without_a_token_configured_every_scrape_is_refused(settings, hostname, tenant_a):
    settings.METRICS_TOKEN = ""
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer "}, {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}):
        response = Client(HTTP_HOST=hostname, **headers).get("/metrics")
        assert response.status_code == 401
        assert tenant_a.subdomain not in response.content.decode()


def test_the_system_check_fails_without_a_token_outside_debug(settings):
    settings.METRICS_TOKEN, settings.DEBUG = "", False
    assert [e.id for e in checks.metrics_token_set(None)] == ["ops.E001"]
    assert all(e.is_serious() for e in checks.metrics_token_set(None))
    settings.DEBUG = True
    assert checks.metrics_token_set(None) == []
    settings.METRICS_TOKEN, settings.DEBUG = TOKEN, False
    assert checks.metrics_token_set(None) == []


def test_a_management_command_refuses_to_run_without_a_token(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.METRICS_TOKEN, settings.DEBUG = "", False
    with pytest.raises(SystemCheckError, match=r"ops\.E001"):
        call_command("check")


def test_a_worker_serves_its_task_durations_on_its_own_port(tenant_a):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sample_tasks.note_schema.apply(headers={"tenant_schema": tenant_a.schema_name})

    server, _thread = exposition.start_worker_metrics_server(port)
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    finally:
        server.shutdown()
        server.server_close()

    assert 'crm_celery_task_duration_seconds_count{state="SUCCESS",task="tests.observability.note_schema"}' in text
    # The database-backed gauges are the web app's alone, so they are not scraped twice.
    assert "crm_spare_schema_pool_size" not in text
