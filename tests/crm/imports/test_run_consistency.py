"""A queued import on a real Celery worker: whatever stops it, what the job
says it wrote is what it wrote, every row is counted or refused with a reason,
and a run whose worker died does not stay "running" forever."""

import json
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import DataError
from django.utils import timezone

from crm.accounts import services as account_services
from crm.accounts.models import Account
from crm.imports import services, tasks
from crm.imports.models import ImportJob
from tests.conftest import api_client, in_tenant, sign_up, user_of
from tests.crm.imports.test_imports import _upload


def _wait_for(client, job_id):
    deadline = time.monotonic() + 30
    while True:
        job = client.get(f"/api/v1/imports/{job_id}/").json()
        if job["status"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


@pytest.fixture
def owner_client(committed_db):
    tenant = sign_up()
    committed_db.append(tenant)
    return tenant, api_client(tenant, user_of(tenant, "owner"))


def _breaking_on(monkeypatch, name, exc):
    create = account_services.create_account

    def create_account(**kwargs):
        if kwargs.get("name") == name:
            raise exc
        return create(**kwargs)

    monkeypatch.setattr(account_services, "create_account", create_account)


def test_a_run_that_stops_half_way_says_exactly_what_it_wrote(owner_client, celery_worker, monkeypatch):
    tenant, client = owner_client
    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)
    _breaking_on(monkeypatch, "Half Way 4", RuntimeError("the disk caught fire"))
    names = [f"Half Way {n}" for n in range(1, 7)]
    response = _upload(client, "name\n" + "\n".join(names) + "\n", kind="accounts")
    assert response.status_code == 202
    job = _wait_for(client, response.json()["id"])
    with in_tenant(tenant):
        written = Account.objects.filter(name__startswith="Half Way").count()
    assert job["status"] == "failed"
    assert (job["created_count"], job["processed_rows"], job["total_rows"]) == (written, written, 6)
    assert [r["row"] for r in job["results"]] == list(range(2, 2 + written))
    assert f"stopped after {written} of 6 rows: {written} created" in job["error"]
    assert "the disk caught fire" in job["error"]


def test_a_row_the_database_refuses_is_refused_and_the_run_goes_on(owner_client, celery_worker, monkeypatch):
    tenant, client = owner_client
    _breaking_on(monkeypatch, "Db Refused Co", DataError("value out of range"))
    response = _upload(client, "name\nDb Good One\nDb Refused Co\nDb Good Two\n", kind="accounts")
    job = _wait_for(client, response.json()["id"])
    assert job["status"] == "done"
    assert (job["created_count"], job["refused_count"], job["processed_rows"]) == (2, 1, 3)
    assert job["results"][1]["action"] == "refused" and job["results"][1]["reason"]
    with in_tenant(tenant):
        assert Account.objects.filter(name__startswith="Db ").count() == 2


def test_a_run_whose_worker_died_is_swept_to_failed_with_its_counts(owner_client, celery_worker):
    tenant, client = owner_client
    with in_tenant(tenant):
        user = user_of(tenant, "owner")
        long_ago = timezone.now() - timedelta(minutes=settings.IMPORT_STALE_MINUTES + 1)
        dead = ImportJob.objects.create(
            kind="accounts",
            file_name="a.csv",
            file_content=b"name\nA\nB\nC\n",
            mapping={"name": "name"},
            created_by=user,
            status=ImportJob.Status.RUNNING,
            heartbeat_at=long_ago,
            total_rows=3,
            processed_rows=2,
            created_count=2,
        )
        alive = ImportJob.objects.create(
            kind="accounts",
            file_name="b.csv",
            file_content=b"name\nA\n",
            mapping={"name": "name"},
            created_by=user,
            status=ImportJob.Status.RUNNING,
            heartbeat_at=timezone.now(),
            total_rows=1,
        )
    tasks.sweep_stale_imports_everywhere.delay()
    job = _wait_for(client, dead.pk)
    assert job["status"] == "failed"
    assert job["created_count"] == 2
    assert "stopped after 2 of 3 rows: 2 created" in job["error"]
    assert "stopped answering" in job["error"]
    assert client.get(f"/api/v1/imports/{alive.pk}/").json()["status"] == "running"


def test_beat_sweeps_stale_imports():
    assert settings.CELERY_BEAT_SCHEDULE["sweep-stale-imports"]["task"] == (
        "crm.imports.tasks.sweep_stale_imports_everywhere"
    )


def test_a_large_file_is_imported_by_the_worker_with_its_rows_counted(owner_client, celery_worker, settings):
    _tenant, client = owner_client
    settings.IMPORT_INLINE_ROWS = 2
    names = [f"Streamed Co {n}" for n in range(5)]
    response = _upload(client, "Company\n" + "\n".join(names) + "\n", mapping=json.dumps({"Company": "name"}))
    assert response.json()["total_rows"] == 0
    job = _wait_for(client, response.json()["id"])
    assert (job["status"], job["total_rows"], job["created_count"]) == ("done", 5, 5)
