"""Custom fields in imports (issue 6): mappable like built-in fields, each cell
checked by the field's own rules in the dry run and the real run alike (a bad
one refuses its row, the reason naming the field), and written in the same
transaction as the row's record."""

import datetime
import io
import json
from unittest import mock

import openpyxl
import pytest

from crm.accounts.models import Account
from crm.builder import query, services
from crm.contacts.models import Contact
from crm.imports import services as imports
from crm.imports.models import ImportJob
from crm.imports.selectors import import_fields
from tests.crm.accounts.factories import account, contact
from tests.crm.imports.test_imports import _upload
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def _field(tenant, object_name, name, type, **options):
    with in_tenant(tenant):
        services.create_field(
            by=user_of(tenant, "admin"),
            object_name=object_name,
            name=name,
            label=name.replace("_", " ").title(),
            type=type,
            **options,
        )


def _contacts(tenant, **filters):
    with in_tenant(tenant):
        rows = query.with_custom_fields(Contact.objects.filter(**filters).order_by("pk"), "contacts")
        return [(c.first_name, c.wechat_id, c.score) for c in rows]


def _real_run(tenant, by, content, *, kind="contacts", name="people.csv", **options):
    """The real import, run here rather than on the worker (what the task does)."""
    with in_tenant(tenant), mock.patch.object(imports, "_queue"):
        job = imports.create_job(by=user_of(tenant, by), kind=kind, file_name=name, content=content, **options)
        return imports.run_job(job)


def test_custom_fields_are_offered_as_mapping_targets_after_the_built_in_ones(tenant_a):
    _field(tenant_a, "contacts", "wechat_id", "text")
    _field(tenant_a, "contacts", "internal", "text", hidden=True)
    with in_tenant(tenant_a):
        fields = import_fields("contacts")
    assert fields[0][0] == "first_name"
    assert fields[-1] == ("wechat_id", "Wechat Id")
    assert "internal" not in dict(fields)


def test_a_dry_run_refuses_a_row_whose_custom_value_has_the_wrong_type_and_names_the_field(tenant_a):
    _field(tenant_a, "contacts", "wechat_id", "text")
    _field(tenant_a, "contacts", "score", "integer", max_value=100)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    content = "First,WeChat,Score\nDryrun Good,wx-good,42\nDryrun Bad,wx-bad,many\nDryrun High,wx-high,101\n"

    response = _upload(
        client,
        content,
        name="people.csv",
        kind="contacts",
        dry_run="true",
        mapping=json.dumps({"First": "first_name", "WeChat": "wechat_id", "Score": "score"}),
    )

    assert response.status_code == 202, response.content
    results = response.json()["results"]
    assert [r["action"] for r in results] == ["created", "refused", "refused"]
    assert results[1]["reason"].startswith("Score:") and "whole number" in results[1]["reason"]
    assert results[2]["reason"].startswith("Score:") and "100" in results[2]["reason"]
    assert _contacts(tenant_a, first_name__startswith="Dryrun") == []


def test_the_real_run_writes_custom_values_with_the_row_and_refuses_bad_rows_whole(tenant_a):
    _field(tenant_a, "contacts", "wechat_id", "text", unique=True)
    _field(tenant_a, "contacts", "score", "integer")
    content = b"first_name,wechat_id,score\nReal One,wx-1,1\nReal Two,wx-2,\nReal Bad,wx-3,three\nReal Same,wx-1,4\n"

    job = _real_run(tenant_a, "sales", content)

    assert [r["action"] for r in job.results] == ["created", "created", "refused", "refused"]
    assert job.results[3]["reason"].startswith("Wechat Id:")
    # A refused row leaves no record behind: the custom values are in the row's transaction.
    assert _contacts(tenant_a, first_name__startswith="Real") == [("Real One", "wx-1", 1), ("Real Two", "wx-2", None)]


def test_update_mode_changes_the_custom_values_of_the_matching_record(tenant_a):
    _field(tenant_a, "contacts", "score", "integer")
    existing = contact(tenant_a, "Upd", owner="sales", last_name="Custom", email="upd.custom@example.test")
    with in_tenant(tenant_a):
        services.set_custom_values(object_name="contacts", record_id=existing.pk, values={"score": 1})

    job = _real_run(
        tenant_a,
        "sales",
        b"first_name,last_name,email,score\nUpd,Custom,upd.custom@example.test,9\n",
        mode=ImportJob.Mode.UPDATE,
    )

    assert job.results[0]["action"] == "updated" and job.results[0]["id"] == existing.pk
    with in_tenant(tenant_a):
        found = query.with_custom_fields(Contact.objects.filter(pk=existing.pk), "contacts").get()
    assert found.score == 9


def test_an_xlsx_file_fills_date_boolean_choice_and_lookup_fields_of_accounts(tenant_a):
    _field(tenant_a, "accounts", "founded", "date")
    _field(tenant_a, "accounts", "partner", "boolean")
    _field(tenant_a, "accounts", "segment", "choice", choices=["smb", "enterprise"])
    _field(tenant_a, "accounts", "parent", "lookup", target="accounts")
    parent = account(tenant_a, "Xlsx Parent Co", owner="sales")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "founded", "partner", "segment", "parent"])
    sheet.append(["Xlsx Child Co", datetime.datetime(2001, 5, 17), "yes", "smb", parent.pk])
    sheet.append(["Xlsx Wrong Co", "soon", "yes", "smb", None])
    sheet.append(["Xlsx Other Co", None, "no", "big", None])
    out = io.BytesIO()
    workbook.save(out)

    job = _real_run(tenant_a, "sales", out.getvalue(), kind="accounts", name="accounts.xlsx")

    assert [r["action"] for r in job.results] == ["created", "refused", "refused"]
    assert job.results[1]["reason"].startswith("Founded:")
    assert job.results[2]["reason"].startswith("Segment:")
    with in_tenant(tenant_a):
        child = query.with_custom_fields(Account.objects.filter(name="Xlsx Child Co"), "accounts").get()
    assert (child.founded, child.partner, child.segment, child.parent) == (
        datetime.date(2001, 5, 17),
        True,
        "smb",
        parent.pk,
    )


def test_a_lookup_to_a_record_the_importer_cannot_see_is_refused(tenant_a):
    _field(tenant_a, "contacts", "referrer", "lookup", target="accounts")
    hidden = account(tenant_a, "Not Yours Co", owner="sales2")
    job = _real_run(tenant_a, "sales", f"first_name,referrer\nLookup Person,{hidden.pk}\n".encode())
    assert job.results[0]["action"] == "refused"
    assert job.results[0]["reason"].startswith("Referrer:")


def test_a_mapping_to_a_field_of_another_tenant_is_refused(tenant_a, tenant_b):
    _field(tenant_a, "leads", "budget_band", "text")
    client = api_client(tenant_b, user_of(tenant_b, "sales"))
    response = _upload(
        client,
        "first_name,budget_band\nLin,high\n",
        name="leads.csv",
        kind="leads",
        mapping=json.dumps({"first_name": "first_name", "budget_band": "budget_band"}),
    )
    assert response.status_code == 400
    assert "budget_band" in str(response.json()["mapping"])
