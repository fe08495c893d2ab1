"""Importing people keeps people: a contact is the same person by e-mail or
phone (normalised), or by name at the same company; sharing a common name makes
a warning, never a skip."""

import csv
import io
import json

import pytest

from crm.contacts.models import Contact
from crm.imports import services
from crm.imports.models import ImportJob
from tests.crm.imports.test_imports import _upload
from tests.factories import make_account, make_contact
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db

COMMON_NAMES = [
    ("Wei", "Zhang"),
    ("John", "Smith"),
    ("Maria", "Garcia"),
    ("Li", "Wang"),
    ("Anna", "Müller"),
    ("James", "Brown"),
    ("Fang", "Li"),
    ("David", "Jones"),
    ("Mei", "Chen"),
    ("Sarah", "Miller"),
]


def _csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["First Name", "Last Name", "Email", "Phone", "Company"])
    writer.writerows(rows)
    return out.getvalue().encode()


def _people_file():
    """2,000 rows: 1,600 different people (ten common names among them, each
    name at ten different companies), then 200 rows repeating an earlier
    person's e-mail (other case, other name) and 200 repeating a phone (other format)."""
    rows = []
    for i in range(1600):
        first, last = COMMON_NAMES[i % 10]
        company = f"Firm {i // 10}" if i % 3 else ""
        rows.append([first, last, f"p{i}@people.test", f"138{i:08d}", company])
    for k in range(200):
        j = (k * 7) % 1600
        rows.append(["Someone", f"Else {k}", f"P{j}@PEOPLE.TEST", "", ""])
    for k in range(200):
        j = (k * 11 + 3) % 1600
        digits = f"138{j:08d}"
        rows.append(["Other", f"Person {k}", "", f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}", ""])
    return _csv(rows)


def test_a_2000_row_file_skips_only_same_email_or_phone_and_creates_people_who_share_a_name(tenant_a):
    with in_tenant(tenant_a):
        job = services.create_job(
            by=user_of(tenant_a, "sales"),
            kind="contacts",
            file_name="people.csv",
            content=_people_file(),
            mapping={"First Name": "first_name", "Last Name": "last_name", "Email": "email", "Phone": "phone"},
            dry_run=True,
        )
        job = services.run_job(ImportJob.objects.get(pk=job.pk))
        assert not Contact.objects.exists()
    assert job.status == "done"
    assert (job.total_rows, job.created_count, job.skipped_count, job.updated_count, job.refused_count) == (
        2000,
        1600,
        400,
        0,
        0,
    )
    warned = [r for r in job.results if r.get("warning")]
    assert len(warned) == 1590  # every person after the first of each common name
    by_row = {r["row"]: r for r in job.results}
    # Row 1602 repeats the e-mail of person 0 (row 2), row 1802 the phone of person 3 (row 5).
    assert by_row[1602]["action"] == "skipped" and by_row[1602]["same_as_row"] == 2
    assert "row 2" in by_row[1602]["reason"] and by_row[1602]["id"] is None
    assert by_row[1802]["action"] == "skipped" and by_row[1802]["same_as_row"] == 5


def test_same_name_at_another_company_is_created_with_a_warning_and_at_the_same_company_skipped(tenant_a):
    sales = user_of(tenant_a, "sales")
    with in_tenant(tenant_a):
        acme = make_account(by=sales, name="Acme Ltd")
        existing = make_contact(by=sales, first_name="John", last_name="Smith", account=acme)
        make_contact(by=sales, first_name="Wei", last_name="Zhang", email="wei@zhang.test")
    client = api_client(tenant_a, sales)
    response = _upload(
        client,
        "First Name,Last Name,Email,Company\n"
        "John,Smith,,Globex\n"
        "John,Smith,,ACME Limited\n"
        "Zhang,Wei,WEI@zhang.test ,\n",
        name="people.csv",
        kind="contacts",
        mapping=json.dumps(
            {"First Name": "first_name", "Last Name": "last_name", "Email": "email", "Company": "company_name"}
        ),
    )
    assert response.status_code == 202, response.json()
    with in_tenant(tenant_a):
        job = services.run_job(ImportJob.objects.get(pk=response.json()["id"]))
        assert Contact.objects.filter(first_name="John", last_name="Smith").count() == 2
    created, same_company, same_email = job.results
    assert created["action"] == "created" and f"#{existing.pk}" in created["warning"]
    assert same_company["action"] == "skipped" and same_company["id"] == existing.pk
    assert "name and company" in same_company["reason"]
    assert same_email["action"] == "skipped" and "e-mail" in same_email["reason"]


def test_dry_run_results_can_be_filtered_by_action(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = _upload(
        client,
        "first_name,email\nAda,ada@x.test\nAda,ADA@x.test\nBob,\n,nobody@x.test\n",
        name="people.csv",
        kind="contacts",
        dry_run="true",
    )
    job = response.json()
    assert [r["action"] for r in job["results"]] == ["created", "skipped", "created", "refused"]
    assert job["results"][1]["reason"] == "Same e-mail as row 2."
    skipped = client.get(f"/api/v1/imports/{job['id']}/", {"action": "skipped"}).json()
    assert [r["row"] for r in skipped["results"]] == [3]
    assert skipped["skipped_count"] == 1 and skipped["created_count"] == 2
    bad = client.get(f"/api/v1/imports/{job['id']}/", {"action": "lost"})
    assert bad.status_code == 400 and "action" in bad.json()
