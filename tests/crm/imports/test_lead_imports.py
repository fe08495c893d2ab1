"""Importing leads through POST /api/v1/imports/, and the list of import jobs."""

import json
import time

import pytest

from crm.access.models import ModulePermission
from crm.audit.models import AuditEvent
from crm.imports.models import ImportJob
from crm.leads import services as lead_services
from crm.leads.models import Lead
from tests.crm.imports.test_imports import _upload
from tests.crm.leads.test_leads import make_lead
from tests.tenancy import api_client, in_tenant, sign_up, user_of


def _leads(client, content, **fields):
    return _upload(client, content, name="leads.csv", kind="leads", **fields)


def _state(tenant):
    with in_tenant(tenant):
        return list(Lead.objects.order_by("id").values()), AuditEvent.objects.count()


@pytest.mark.django_db
def test_a_dry_run_of_leads_reports_each_row_and_changes_nothing(tenant_a):
    make_lead(tenant_a, email="Known@Lead.test", company="Known Lead Co")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    before = _state(tenant_a)
    response = _leads(
        client,
        "First,Company,Mail\nNew,Fresh Lead Co,new@lead.test\nAgain,Dup Co, known@lead.TEST \n,Nameless Co,\n",
        mapping=json.dumps({"First": "first_name", "Company": "company", "Mail": "email"}),
        dry_run="true",
    )
    assert response.status_code == 202
    job = response.json()
    assert (job["kind"], job["status"]) == ("leads", "done")
    assert [r["action"] for r in job["results"]] == ["created", "skipped", "refused"]
    assert "e-mail" in job["results"][1]["reason"]
    assert job["results"][2]["reason"].startswith("First name: ")
    assert (job["created_count"], job["skipped_count"], job["refused_count"]) == (1, 1, 1)
    assert _state(tenant_a) == before


@pytest.mark.django_db
def test_a_lead_row_matches_an_existing_lead_on_its_phone_however_it_is_written(tenant_a):
    existing = make_lead(tenant_a, email="", phone="+86 10 5555 0123")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    job = _leads(client, "first_name,phone\nLin,010-5555-0123\n", dry_run="true").json()
    assert (job["results"][0]["action"], job["results"][0]["id"]) == ("skipped", existing.pk)


@pytest.mark.django_db
def test_update_mode_changes_the_matching_lead_and_records_it(tenant_a):
    existing = make_lead(tenant_a, email="update@lead.test", company="Old Name Co")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    job = _leads(
        client,
        "first_name,email,company,status\nLin,update@lead.test,New Name Co,qualified\n",
        mode="update",
        dry_run="true",
    ).json()
    assert (job["results"][0]["action"], job["results"][0]["id"]) == ("updated", existing.pk)
    with in_tenant(tenant_a):
        assert Lead.objects.get(pk=existing.pk).company == "Old Name Co"  # a dry run


@pytest.mark.django_db
def test_create_mode_creates_a_lead_even_when_one_matches(tenant_a):
    make_lead(tenant_a, email="twice@lead.test")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    job = _leads(client, "first_name,email\nLin,twice@lead.test\n", mode="create", dry_run="true").json()
    assert job["results"][0]["action"] == "created"


@pytest.mark.django_db
def test_a_row_matching_a_converted_lead_is_skipped_not_changed(tenant_a):
    lead = make_lead(tenant_a, email="gone@lead.test")
    with in_tenant(tenant_a):
        lead_services.convert_lead(lead=lead, by=user_of(tenant_a, "sales"))
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    job = _leads(client, "first_name,email\nLin,gone@lead.test\n", mode="update", dry_run="true").json()
    assert (job["results"][0]["action"], job["results"][0]["id"]) == ("skipped", lead.pk)


@pytest.mark.django_db
def test_a_lead_another_sales_user_owns_is_not_a_duplicate_of_mine(tenant_a):
    make_lead(tenant_a, "sales2", email="theirs@lead.test")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    job = _leads(client, "first_name,email\nLin,theirs@lead.test\n", dry_run="true").json()
    assert job["results"][0]["action"] == "created"


@pytest.mark.django_db
def test_leads_cannot_be_imported_by_a_role_the_module_is_hidden_from(tenant_a):
    with in_tenant(tenant_a):
        ModulePermission.objects.create(role="sales", module="leads", hidden=True)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = _leads(client, "first_name\nLin\n", dry_run="true")
    assert response.status_code == 400 and "kind" in response.json()
    with in_tenant(tenant_a):
        assert not ImportJob.objects.exists()


def test_the_real_run_imports_the_good_lead_rows_and_reports_each_bad_one(committed_db, celery_worker):
    tenant = sign_up()
    committed_db.append(tenant)
    user = user_of(tenant, "owner")
    client = api_client(tenant, user)
    response = _leads(
        client,
        "Name,Mail,Source,Status\n"
        "Good,good@lead.test,web,new\n"
        ",nobody@lead.test,web,new\n"
        "Bad Mail,not-an-email,web,new\n"
        "Bad Source,src@lead.test,carrier pigeon,new\n"
        "Sneaky,sneaky@lead.test,web,converted\n"
        "Also Good,also@lead.test,,\n",
        mapping=json.dumps({"Name": "first_name", "Mail": "email", "Source": "source", "Status": "status"}),
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
    assert (job["created_count"], job["refused_count"], job["processed_rows"]) == (2, 4, 6)
    with in_tenant(tenant):
        assert set(Lead.objects.values_list("first_name", flat=True)) == {"Good", "Also Good"}
    report = client.get(f"/api/v1/imports/{job_id}/errors/").content.decode("utf-8-sig").splitlines()
    assert report[0] == "row,reason,Name,Mail,Source,Status"
    assert [line.split(",")[0] for line in report[1:]] == ["3", "4", "5", "6"]
    assert report[1].startswith("3,First name: ")
    assert report[2].startswith("4,E-mail: ")
    assert report[3].startswith("5,Source: ")
    assert report[4].startswith("6,Status: ")


# GET /api/v1/imports/ -------------------------------------------------------------


@pytest.fixture
def jobs(tenant_a):
    made = {}
    for who in ("sales", "sales2", "sales"):
        client = api_client(tenant_a, user_of(tenant_a, who))
        job = _upload(client, f"name\n{who} list co\n", name=f"{who}.csv", dry_run="true").json()
        made.setdefault(who, []).append(job["id"])
    return made


@pytest.mark.django_db
def test_a_sales_user_lists_only_their_own_imports_newest_first(tenant_a, jobs):
    body = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/imports/").json()
    assert body["count"] == 2
    assert [job["id"] for job in body["results"]] == sorted(jobs["sales"], reverse=True)
    assert "results" not in body["results"][0]  # the per-row outcome is on the job's own page
    assert body["results"][0]["created_by"] == user_of(tenant_a, "sales").pk


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "director"])
def test_admin_and_director_list_every_import_of_the_tenant(tenant_a, jobs, role):
    body = api_client(tenant_a, user_of(tenant_a, role)).get("/api/v1/imports/?page_size=200").json()
    assert {job["id"] for job in body["results"]} == set(jobs["sales"] + jobs["sales2"])


@pytest.mark.django_db
def test_the_import_list_is_paginated_like_other_lists(tenant_a, jobs):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    first = client.get("/api/v1/imports/?page_size=1").json()
    assert first["count"] == 2 and len(first["results"]) == 1 and first["next"]
    assert client.get("/api/v1/imports/?page=9").status_code == 404


@pytest.mark.django_db
def test_a_manager_does_not_see_their_teams_imports(tenant_a, jobs):
    body = api_client(tenant_a, user_of(tenant_a, "manager")).get("/api/v1/imports/").json()
    assert body["count"] == 0
