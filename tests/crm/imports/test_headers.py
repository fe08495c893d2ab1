"""Columns map by themselves: by a field's label or a common synonym in English
or Chinese, custom fields by their label, and as the tenant mapped the same
column last time; a template file per kind has the header that maps."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.builder import services as builder_services
from crm.imports import services
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def _propose(tenant, kind, header):
    with in_tenant(tenant):
        return services.default_mapping(kind, header)


def test_english_headers_and_synonyms_map_to_contact_fields(tenant_a):
    header = ["First Name", "Last Name", "E-mail", "Mobile", "Company", "Job Title", "Notes"]
    assert _propose(tenant_a, "contacts", header) == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "E-mail": "email",
        "Mobile": "phone",
        "Company": "company_name",
        "Job Title": "title",
    }


def test_chinese_headers_map_to_contact_fields(tenant_a):
    header = ["名", "姓", "手机", "邮箱", "公司", "职位"]
    assert _propose(tenant_a, "contacts", header) == {
        "名": "first_name",
        "姓": "last_name",
        "手机": "phone",
        "邮箱": "email",
        "公司": "company_name",
        "职位": "title",
    }


def test_a_whole_name_column_fills_the_first_name_and_a_phone_column_the_phone(tenant_a):
    assert _propose(tenant_a, "leads", ["姓名", "电话", "公司"]) == {
        "姓名": "first_name",
        "电话": "phone",
        "公司": "company",
    }


def test_a_custom_field_maps_by_its_label(tenant_a):
    with in_tenant(tenant_a):
        builder_services.create_field(
            by=user_of(tenant_a, "admin"), object_name="contacts", name="wechat_id", label="WeChat", type="text"
        )
    assert _propose(tenant_a, "contacts", ["First Name", "WeChat"]) == {
        "First Name": "first_name",
        "WeChat": "wechat_id",
    }


def test_the_last_mapping_of_a_kind_is_proposed_next_time(tenant_a):
    sales = user_of(tenant_a, "sales")
    with in_tenant(tenant_a):
        services.create_job(
            by=sales,
            kind="contacts",
            file_name="a.csv",
            content=b"Vorname,Kontakt-Mail\nAda,ada@x.test\n",
            mapping={"Vorname": "first_name", "Kontakt-Mail": "email"},
        )
    assert _propose(tenant_a, "contacts", ["Vorname", "Kontakt-Mail"]) == {
        "Vorname": "first_name",
        "Kontakt-Mail": "email",
    }
    # Another kind is not affected.
    assert _propose(tenant_a, "leads", ["Vorname", "Kontakt-Mail"]) == {}


def test_the_template_of_a_kind_is_a_csv_header_that_maps_back_by_itself(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.get("/api/v1/imports/template/", {"kind": "contacts"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "First name" in header and "E-mail" in header
    upload = client.post(
        "/api/v1/imports/",
        {
            "file": SimpleUploadedFile("t.csv", (",".join(header) + "\nAda" + "," * (len(header) - 1) + "\n").encode()),
            "kind": "contacts",
            "dry_run": "true",
        },
        format="multipart",
    )
    assert upload.status_code == 202, upload.json()
    assert set(upload.json()["mapping"].values()) == set(services.FIELDS["contacts"])
    assert client.get("/api/v1/imports/template/", {"kind": "deals"}).status_code == 400


def test_the_import_page_links_a_template_per_kind(tenant_a):
    from tests.crm.imports.test_web import browser

    client = browser(tenant_a, "sales")
    page = client.get("/imports/", {"kind": "contacts"}).content.decode()
    assert 'href="/imports/template/contacts/"' in page
    assert '<option value="contacts" selected>' in page
    response = client.get("/imports/template/contacts/")
    assert response.status_code == 200 and response.content.decode("utf-8-sig").startswith("First name")
