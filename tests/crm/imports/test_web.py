"""The import page as a browser uses it (Django's test client on the tenant's
host): upload, map the columns, dry-run, start, follow the progress."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from crm.audit.models import AuditEvent
from crm.imports import services
from crm.imports.models import ImportJob
from crm.leads.models import Lead
from tests.tenancy import host, in_tenant, user_of

pytestmark = pytest.mark.django_db

LEADS_CSV = "Given name,Family name,Company,email\nAda,Lovelace,Engines Ltd,ada@engines.test\n,Nobody,No Co,\n"


def browser(tenant, who):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, who))
    return client


def upload(client, content=LEADS_CSV, name="leads.csv", kind="leads"):
    return client.post("/imports/", {"kind": kind, "file": SimpleUploadedFile(name, content.encode())})


def job_of(tenant, pk):
    with in_tenant(tenant):
        return ImportJob.objects.get(pk=pk)


def mapping_post(**columns):
    """Form data choosing, for column number n, the field `column_n`; mode skip."""
    return {"mode": "skip", **columns}


def test_the_import_page_preselects_the_kind_of_the_list_it_came_from(tenant_a):
    page = browser(tenant_a, "sales").get("/imports/", {"kind": "contacts"}).content.decode()
    assert '<option value="contacts" selected>' in page


def test_the_import_page_opened_from_the_contacts_list_preselects_contacts(tenant_a):
    client = browser(tenant_a, "sales")
    referer = f"http://{host(tenant_a)}/contacts/?page=2"
    page = client.get("/imports/", HTTP_REFERER=referer).content.decode()
    assert '<option value="contacts" selected>' in page
    elsewhere = client.get("/imports/", HTTP_REFERER="http://evil.test/leads/").content.decode()
    assert '<option value="leads" selected>' not in elsewhere


def test_uploading_keeps_the_file_as_a_draft_mapped_by_column_names(tenant_a):
    response = upload(browser(tenant_a, "sales"))
    with in_tenant(tenant_a):
        job = ImportJob.objects.get(created_by=user_of(tenant_a, "sales"))
        assert not Lead.objects.filter(email="ada@engines.test").exists()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    assert (job.status, job.kind, job.total_rows) == ("draft", "leads", 2)
    assert job.mapping == {
        "Given name": "first_name",
        "Family name": "last_name",
        "Company": "company",
        "email": "email",
    }


def test_a_file_that_is_not_csv_or_xlsx_is_refused_with_the_reason(tenant_a):
    response = upload(browser(tenant_a, "sales"), name="leads.txt")
    assert response.status_code == 400
    assert "Upload a .csv or .xlsx file." in response.content.decode()
    with in_tenant(tenant_a):
        assert not ImportJob.objects.exists()


def test_the_mapping_page_offers_every_column_with_its_first_value(tenant_a):
    client = browser(tenant_a, "sales")
    location = upload(client)["Location"]
    page = client.get(location).content.decode()
    for text in ("Given name", "Family name", "Ada", "Lovelace", "Engines Ltd"):
        assert text in page


def test_a_dry_run_on_the_page_shows_what_would_happen_and_changes_nothing(tenant_a):
    client = browser(tenant_a, "sales")
    location = upload(client)["Location"]
    with in_tenant(tenant_a):
        before = (Lead.objects.count(), AuditEvent.objects.count())
    response = client.post(
        location,
        {
            **mapping_post(column_0="first_name", column_1="last_name", column_2="company", column_3="email"),
            "action": "dry_run",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="import-results"' in page and "First name: This field is required." in page
    job = job_of(tenant_a, int(location.strip("/").split("/")[-1]))
    assert (job.status, job.created_count, job.refused_count) == ("draft", 1, 1)
    with in_tenant(tenant_a):
        assert (Lead.objects.count(), AuditEvent.objects.count()) == before


def test_a_mapping_without_the_required_field_is_refused_and_the_job_stays_a_draft(tenant_a):
    client = browser(tenant_a, "sales")
    location = upload(client)["Location"]
    response = client.post(location, {**mapping_post(column_3="email"), "action": "start"})
    assert response.status_code == 400
    assert "Map a column to first_name." in response.content.decode()
    assert job_of(tenant_a, int(location.strip("/").split("/")[-1])).status == "draft"


def test_starting_queues_the_real_run_once_and_the_page_follows_its_progress(
    tenant_a, django_capture_on_commit_callbacks
):
    client = browser(tenant_a, "sales")
    location = upload(client)["Location"]
    pk = int(location.strip("/").split("/")[-1])
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(location, {**mapping_post(column_0="first_name", column_3="email"), "action": "start"})
        again = client.post(location, {**mapping_post(column_0="first_name"), "action": "start"})
    assert response.status_code == 302
    assert len(queued) == 1
    assert again.status_code == 200  # a started job shows its progress, not the form
    job = job_of(tenant_a, pk)
    assert (job.status, job.dry_run, job.mapping) == ("pending", False, {"Given name": "first_name", "email": "email"})
    progress = client.get(f"/imports/{pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in progress and "0 of 2 rows" in progress

    with in_tenant(tenant_a):
        services.run_job(job)  # what the worker does
    progress = client.get(f"/imports/{pk}/progress/").content.decode()
    assert "hx-trigger" not in progress  # done: the page stops asking
    assert "2 of 2 rows" in progress and f'href="/imports/{pk}/errors/"' in progress
    report = client.get(f"/imports/{pk}/errors/")
    assert report["Content-Type"] == "text/csv"
    assert report.content.decode("utf-8-sig").splitlines()[1].startswith("3,First name: ")


def test_another_users_import_is_not_found_on_its_pages(tenant_a):
    location = upload(browser(tenant_a, "sales"))["Location"]
    pk = int(location.strip("/").split("/")[-1])
    other = browser(tenant_a, "sales2")
    for url in (location, f"/imports/{pk}/progress/", f"/imports/{pk}/errors/"):
        assert other.get(url).status_code == 404, url
    assert other.post(location, {**mapping_post(column_0="first_name"), "action": "start"}).status_code == 404
    assert job_of(tenant_a, pk).status == "draft"


def test_the_list_of_past_imports_shows_only_the_users_own(tenant_a):
    upload(browser(tenant_a, "sales"), name="mine.csv")
    upload(browser(tenant_a, "sales2"), name="theirs.csv")
    page = browser(tenant_a, "sales").get("/imports/").content.decode()
    assert "mine.csv" in page and "theirs.csv" not in page
    page = browser(tenant_a, "admin").get("/imports/").content.decode()
    assert "mine.csv" in page and "theirs.csv" in page


def test_the_dry_run_table_filters_by_outcome_and_shows_name_warnings(tenant_a):
    client = browser(tenant_a, "sales")
    content = "First Name,Email\nAda,ada@web.test\nAda,ADA@web.test\nAda,other@web.test\n"
    location = upload(client, content=content, name="people.csv", kind="contacts")["Location"]
    response = client.post(location, {**mapping_post(column_0="first_name", column_1="email"), "action": "dry_run"})
    page = response.content.decode()
    assert "Same e-mail as row 2." in page
    assert 'data-testid="import-warning"' in page and "Same name as row 2" in page
    skipped = client.get(location, {"action": "skipped"}).content.decode()
    assert "Same e-mail as row 2." in skipped and "Same name as row 2" not in skipped
