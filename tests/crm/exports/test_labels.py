"""Exports read by people (the product issue): headed by the fields' labels in the
reader's language, choices as their labels (or, asked, the API's keys and codes),
real date and number cells in a workbook, and a file that imports again as it is."""

import csv
import datetime
import io
from datetime import UTC

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.builder import services as builder_services
from crm.imports import services as import_services
from crm.imports.models import ImportJob
from crm.leads.models import Lead
from crm.users.models import User
from tests.crm.accounts.factories import account, contact
from tests.crm.deals.factories import make_deal
from tests.crm.leads.test_leads import make_lead
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def _rows(response):
    assert response.status_code == 200, response.content[:300]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _sheet(response):
    assert response.status_code == 200, response.content[:300]
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def _speaks(tenant, local, language):
    with in_tenant(tenant):
        User.objects.filter(pk=user_of(tenant, local).pk).update(language=language)


def test_an_account_export_is_headed_by_labels_and_reads_choices_as_labels(tenant_a):
    account(tenant_a, "Label Export Co", owner="sales", kind="individual", level="strategic")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))

    header, row = _rows(client.get("/api/v1/accounts/export/?search=Label Export"))

    assert header[:4] == ["ID", "Name", "Kind", "Industry"]
    by = dict(zip(header, row, strict=True))
    assert (by["Kind"], by["Level"], by["Status"]) == ("Individual", "Strategic", "Prospect")


def test_a_chinese_readers_export_is_headed_in_chinese(tenant_a):
    account(tenant_a, "Zh Export Co", owner="sales", kind="company")
    _speaks(tenant_a, "sales", "zh-hans")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))

    header, row = _rows(client.get("/api/v1/accounts/export/?search=Zh Export"))

    assert "Name" not in header and "Kind" not in header
    assert row[header.index("名称")] == "Zh Export Co"
    assert "公司" in row


def test_codes_give_the_api_keys_and_stored_values(tenant_a):
    account(tenant_a, "Code Export Co", owner="sales", kind="individual")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))

    header, row = _rows(client.get("/api/v1/accounts/export/?search=Code Export&values=codes"))

    assert header[:3] == ["id", "name", "kind"] and row[2] == "individual"
    assert client.get("/api/v1/accounts/export/?values=names").status_code == 400


def test_custom_fields_are_headed_by_their_label_and_choices_read_as_labels(tenant_a):
    with in_tenant(tenant_a):
        builder_services.create_field(
            by=user_of(tenant_a, "admin"),
            object_name="contacts",
            name="tier",
            label="Customer tier",
            type="choice",
            choices=[{"value": "g", "label": "Gold"}, {"value": "s", "label": "Silver"}],
        )
    person = contact(tenant_a, "Tiera", owner="sales", last_name="Export")
    with in_tenant(tenant_a):
        builder_services.set_custom_values(object_name="contacts", record_id=person.pk, values={"tier": "g"})
    client = api_client(tenant_a, user_of(tenant_a, "sales"))

    header, row = _rows(client.get("/api/v1/contacts/export/?search=Tiera"))
    assert (header[-1], row[-1]) == ("Customer tier", "Gold")
    header, row = _rows(client.get("/api/v1/contacts/export/?search=Tiera&values=codes"))
    assert (header[-1], row[-1]) == ("tier", "g")


def test_the_workbook_holds_real_dates_in_the_readers_zone_and_real_numbers(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Dated Deal", amount="1234.50")
    with in_tenant(tenant_a):
        type(deal).objects.filter(pk=deal.pk).update(
            created_at=datetime.datetime(2026, 12, 7, 15, 23, tzinfo=UTC),
            expected_close_date=datetime.date(2027, 1, 31),
        )
        User.objects.filter(pk=user_of(tenant_a, "sales").pk).update(time_zone="Asia/Shanghai")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))

    header, row = _sheet(client.get("/api/v1/deals/export/?file_format=xlsx&search=Dated Deal"))

    by = dict(zip(header, row, strict=True))
    assert by["Created"] == datetime.datetime(2026, 12, 7, 23, 23)  # Shanghai, a date cell
    assert by["Expected close date"] == datetime.datetime(2027, 1, 31)
    assert by["Amount"] == 1234.5 and not isinstance(by["Amount"], str)


def test_a_phone_number_is_exported_as_it_is_written(tenant_a):
    make_lead(tenant_a, first_name="Phoned", phone="+86 138 0013 8000")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))

    for file_format, read in (("csv", _rows), ("xlsx", _sheet)):
        header, row = read(client.get(f"/api/v1/leads/export/?file_format={file_format}&search=Phoned"))
        assert row[list(header).index("Phone")] == "+86 138 0013 8000"


@pytest.mark.parametrize(("language", "file_format"), [("en", "csv"), ("zh-hans", "xlsx")])
def test_an_export_imports_again_unchanged(tenant_a, language, file_format):
    make_lead(
        tenant_a,
        first_name="Round",
        last_name="Trip",
        company="Round Trip Co",
        email="round@trip.test",
        phone="+86 138 0013 8000",
        source="referral",
        status="contacted",
        title="Buyer",
    )
    fields = ["first_name", "last_name", "company", "title", "email", "phone", "source", "status"]
    with in_tenant(tenant_a):
        before = Lead.objects.filter(first_name="Round").values(*fields).get()
    _speaks(tenant_a, "sales", language)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    content = client.get(f"/api/v1/leads/export/?file_format={file_format}&search=Round").content
    with in_tenant(tenant_a):
        Lead.objects.filter(first_name="Round").delete()

    upload = SimpleUploadedFile(f"leads.{file_format}", content)
    job = client.post("/api/v1/imports/", {"file": upload, "kind": "leads"}, format="multipart").json()
    assert set(job["mapping"].values()) == set(fields)
    with in_tenant(tenant_a):
        done = import_services.run_job(ImportJob.objects.get(pk=job["id"]))
        assert [r["action"] for r in done.results] == ["created"], done.results
        assert Lead.objects.filter(first_name="Round").values(*fields).get() == before


def test_a_contact_export_imports_again_with_its_company(tenant_a):
    firm = account(tenant_a, "Contact Trip Co", owner="sales")
    contact(tenant_a, "Carla", owner="sales", last_name="Trip", account=firm, email="carla@trip.test")
    _speaks(tenant_a, "sales", "zh-hans")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    content = client.get("/api/v1/contacts/export/?search=Carla").content

    upload = SimpleUploadedFile("contacts.csv", content)
    job = client.post("/api/v1/imports/", {"file": upload, "kind": "contacts", "dry_run": "true"}, format="multipart")

    assert "company_name" in job.json()["mapping"].values()
    assert [r["action"] for r in job.json()["results"]] == ["skipped"]  # the same e-mail: Carla herself
