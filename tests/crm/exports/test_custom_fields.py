"""Custom fields are export columns (issue 6): after the built-in columns, headed
by the key the API serves them under, in CSV and XLSX, from the API and the list
pages, for exactly the rows the export holds."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from crm.builder import services
from tests.crm.accounts.factories import account, contact
from tests.crm.accounts.test_web import browser
from tests.crm.deals.factories import make_deal
from tests.crm.leads.test_leads import make_lead
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def _csv(response):
    assert response.status_code == 200, response.content[:300]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _field(tenant, object_name, name, type, **options):
    with in_tenant(tenant):
        services.create_field(
            by=user_of(tenant, "admin"), object_name=object_name, name=name, label=name.title(), type=type, **options
        )


def _values(tenant, object_name, record, **values):
    with in_tenant(tenant):
        services.set_custom_values(object_name=object_name, record_id=record.pk, values=values)


def test_a_contact_export_ends_with_the_custom_fields_and_their_values(tenant_a):
    _field(tenant_a, "contacts", "wechat_id", "text")
    _field(tenant_a, "contacts", "score", "integer")
    _field(tenant_a, "contacts", "budget", "decimal")
    _field(tenant_a, "contacts", "met_on", "date")
    _field(tenant_a, "contacts", "channels", "multi_choice", choices=["mail", "phone", "visit"])
    mina = contact(tenant_a, "Mina", owner="sales", last_name="Export")
    contact(tenant_a, "Noel", owner="sales", last_name="Export")
    _values(
        tenant_a,
        "contacts",
        mina,
        wechat_id="mina-wx",
        score=7,
        budget=Decimal("1200.50"),
        met_on=datetime.date(2025, 3, 1),
        channels=["mail", "visit"],
    )

    rows = _csv(
        api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/contacts/export/?search=Export&values=codes")
    )

    assert rows[0][-5:] == ["wechat_id", "score", "budget", "met_on", "channels"]
    by_name = {row[1]: row[-5:] for row in rows[1:]}
    assert by_name == {"Mina": ["mina-wx", "7", "1200.50", "2025-03-01", "mail, visit"], "Noel": ["", "", "", "", ""]}


def test_the_export_honours_a_filter_on_a_custom_field(tenant_a):
    _field(tenant_a, "contacts", "score", "integer")
    high, low = contact(tenant_a, "High", owner="sales"), contact(tenant_a, "Low", owner="sales")
    _values(tenant_a, "contacts", high, score=90)
    _values(tenant_a, "contacts", low, score=10)
    rows = _csv(api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/contacts/export/?score__gte=50"))
    assert [(row[1], row[-1]) for row in rows[1:]] == [("High", "90")]


def test_a_hidden_field_is_not_exported(tenant_a):
    _field(tenant_a, "accounts", "internal_code", "text", hidden=True)
    _field(tenant_a, "accounts", "segment", "choice", choices=["smb", "enterprise"])
    made = account(tenant_a, "Hidden Export Co", owner="sales")
    _values(tenant_a, "accounts", made, internal_code="X1", segment="smb")
    rows = _csv(
        api_client(tenant_a, user_of(tenant_a, "sales")).get(
            "/api/v1/accounts/export/?search=Hidden Export&values=codes"
        )
    )
    assert rows[0][-1] == "segment" and "internal_code" not in rows[0]
    assert rows[1][-1] == "smb"


def test_the_xlsx_account_export_has_the_custom_columns(tenant_a):
    _field(tenant_a, "accounts", "employees", "integer")
    made = account(tenant_a, "Sheet Custom Co", owner="sales")
    _values(tenant_a, "accounts", made, employees=250)
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get(
        "/api/v1/accounts/export/?file_format=xlsx&search=Sheet Custom&values=codes"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][-1] == "employees"
    assert rows[1][1] == "Sheet Custom Co" and rows[1][-1] == 250


def test_another_tenants_fields_never_appear_in_an_export(tenant_a, tenant_b):
    _field(tenant_a, "leads", "budget_band", "text")
    make_lead(tenant_b, "sales", first_name="Other", last_name="Tenant")
    rows = _csv(api_client(tenant_b, user_of(tenant_b, "sales")).get("/api/v1/leads/export/"))
    assert "budget_band" not in rows[0]


def test_the_lead_and_deal_list_pages_export_their_custom_fields(tenant_a):
    _field(tenant_a, "leads", "budget_band", "text")
    _field(tenant_a, "deals", "competitor", "text")
    lead = make_lead(tenant_a, "sales", first_name="Exportlead", last_name="Custom")
    deal = make_deal(tenant_a, "sales", name="Exportdeal Custom", amount="10.00")
    _values(tenant_a, "leads", lead, budget_band="high")
    _values(tenant_a, "deals", deal, competitor="Rival Inc")
    client = browser(tenant_a, "sales")

    leads = _csv(client.get("/leads/export/?q=exportlead&file_format=csv&values=codes"))
    deals = _csv(client.get("/deals/export/?q=exportdeal&file_format=csv&values=codes"))

    assert leads[0][-1] == "budget_band" and [row[-1] for row in leads[1:]] == ["high"]
    assert deals[0][-1] == "competitor" and [row[-1] for row in deals[1:]] == ["Rival Inc"]
