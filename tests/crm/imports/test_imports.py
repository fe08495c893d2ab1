import csv
import io
import json
import time

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.accounts.models import Account
from crm.audit.models import AuditEvent
from crm.imports.models import ImportJob
from tests.crm.accounts.factories import account
from tests.tenancy import api_client, in_tenant, sign_up, user_of


def _upload(client, content, name="accounts.csv", **fields):
    fields.setdefault("kind", "accounts")
    data = {"file": SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content), **fields}
    return client.post("/api/v1/imports/", data, format="multipart")


@pytest.mark.django_db
def test_a_dry_run_reports_what_would_happen_and_changes_nothing(tenant_a):
    account(tenant_a, "Existing Import Co", owner="sales")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    with in_tenant(tenant_a):
        before = (Account.objects.count(), AuditEvent.objects.count())
    response = _upload(
        client,
        "Company\nExisting Import Co\nBrand New Import Co\n",
        mapping=json.dumps({"Company": "name"}),
        dry_run="true",
    )
    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "done"
    assert [r["action"] for r in job["results"]] == ["skipped", "created"]
    assert (job["created_count"], job["skipped_count"]) == (1, 1)
    with in_tenant(tenant_a):
        assert (Account.objects.count(), AuditEvent.objects.count()) == before
        assert not Account.objects.filter(name="Brand New Import Co").exists()


@pytest.mark.django_db
def test_update_mode_updates_the_duplicate_the_user_can_see(tenant_a):
    existing = account(tenant_a, "Update Me Co", owner="sales")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = _upload(client, "name,industry\nUpdate Me Co,Mining\n", mode="update", dry_run="true")
    assert response.json()["results"][0]["action"] == "updated"
    assert response.json()["results"][0]["id"] == existing.pk


@pytest.mark.django_db
def test_a_bad_mapping_is_refused_with_its_reason(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = _upload(client, "Company\nX\n", mapping=json.dumps({"Company": "password"}))
    assert response.status_code == 400
    assert "mapping" in response.json()
    with in_tenant(tenant_a):
        assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_an_xlsx_file_is_read_too(tenant_a):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["first_name", "last_name", "email"])
    sheet.append(["Xena", "Sheet", "xena@sheet.test"])
    out = io.BytesIO()
    workbook.save(out)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = _upload(client, out.getvalue(), name="people.xlsx", kind="contacts", dry_run="true")
    assert response.status_code == 202
    assert response.json()["results"][0]["action"] == "created"


@pytest.mark.django_db
def test_another_users_import_is_not_found(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    job = _upload(client, "name\nPrivate Co\n", kind="accounts", dry_run="true").json()
    other = api_client(tenant_a, user_of(tenant_a, "sales2"))
    assert other.get(f"/api/v1/imports/{job['id']}/").status_code == 404


def test_the_real_run_imports_the_good_rows_and_reports_each_bad_one(committed_db, celery_worker):
    tenant = sign_up()
    committed_db.append(tenant)
    user = user_of(tenant, "owner")
    client = api_client(tenant, user)
    response = _upload(
        client,
        "Company,Phone,Kind\nGood Import Co,+1 555 0300 001,company\n"
        ",+1 555 0300 002,company\nBad Kind Co,,spaceship\n",
        kind="accounts",
        mapping=json.dumps({"Company": "name", "Phone": "phone", "Kind": "kind"}),
    )
    assert response.status_code == 202
    job_id = response.json()["id"]
    deadline = time.monotonic() + 30
    while True:
        job = client.get(f"/api/v1/imports/{job_id}/").json()
        if job["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert job["status"] == "done"
    assert (job["created_count"], job["refused_count"], job["processed_rows"]) == (1, 2, 3)
    with in_tenant(tenant):
        assert list(Account.objects.filter(owner=user).values_list("name", flat=True)) == ["Good Import Co"]
    report = client.get(f"/api/v1/imports/{job_id}/errors/")
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "row,reason,Company,Phone,Kind"
    assert lines[1].startswith("3,Name: ")
    assert lines[2].startswith("4,Kind: ")


@pytest.mark.django_db
def test_the_error_report_writes_formula_cells_as_text_and_keeps_phone_numbers(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    job = _upload(
        client,
        'Company,Phone,Kind\n"=HYPERLINK(""http://evil.test"",""x"")",+86 138 0013 8000,spaceship\n',
        mapping=json.dumps({"Company": "name", "Phone": "phone", "Kind": "kind"}),
        dry_run="true",
    ).json()
    assert job["refused_count"] == 1
    report = client.get(f"/api/v1/imports/{job['id']}/errors/").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(report)))
    assert rows[1][2:] == ['\'=HYPERLINK("http://evil.test","x")', "+86 138 0013 8000", "spaceship"]
