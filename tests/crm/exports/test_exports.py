import csv
import io

import openpyxl
import pytest

from crm.access.permissions import MASK
from crm.access.services import set_module_visibility, set_sensitive_field
from tests.crm.accounts.factories import account, contact
from tests.crm.deals.factories import make_deal, stage_named
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def _csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_sales_users_account_export_never_contains_another_owners_rows(tenant_a):
    account(tenant_a, "Mine Export Co", owner="sales")
    account(tenant_a, "Theirs Export Co", owner="sales2")
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/accounts/export/?file_format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    names = [row[1] for row in _csv(response)[1:]]
    assert "Mine Export Co" in names
    assert "Theirs Export Co" not in names


def test_a_sales_users_contact_export_never_contains_another_owners_rows(tenant_a):
    contact(tenant_a, "Mina", owner="sales")
    contact(tenant_a, "Theo", owner="sales2")
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/contacts/export/")
    first_names = [row[1] for row in _csv(response)[1:]]
    assert "Mina" in first_names
    assert "Theo" not in first_names


def test_the_export_honours_the_lists_search(tenant_a):
    account(tenant_a, "Findme Widgets", owner="sales")
    account(tenant_a, "Other Gadgets", owner="sales")
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/accounts/export/?search=findme")
    assert [row[1] for row in _csv(response)[1:]] == ["Findme Widgets"]


def test_the_xlsx_export_opens_with_a_header_and_the_rows(tenant_a):
    account(tenant_a, "Sheet Co", owner="sales", phone="+1 555 0199 000")
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get(
        "/api/v1/accounts/export/?file_format=xlsx&search=Sheet Co"
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["ID", "Name", "Kind"]
    assert [row[1] for row in rows[1:]] == ["Sheet Co"]


def test_a_cell_that_looks_like_a_formula_is_exported_as_text(tenant_a):
    account(tenant_a, "=HYPERLINK(1)", owner="sales")
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/accounts/export/?search=HYPERLINK")
    assert [row[1] for row in _csv(response)[1:]] == ["'=HYPERLINK(1)"]


def test_an_unknown_file_format_is_a_400(tenant_a):
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/leads/export/?file_format=pdf")
    assert response.status_code == 400


# Deals ---------------------------------------------------------------------------


def test_a_sales_users_deal_export_never_contains_another_owners_rows(tenant_a):
    make_deal(tenant_a, "sales", name="Mine Export Deal", amount="1200.00")
    make_deal(tenant_a, "sales2", name="Theirs Export Deal", amount="3400.00")

    response = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/deals/export/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="deals.csv"'
    rows = _csv(response)
    assert rows[0][:5] == ["ID", "Name", "Account", "Amount", "Currency"]
    by_name = {row[1]: row for row in rows[1:]}
    assert "Mine Export Deal" in by_name and "Theirs Export Deal" not in by_name
    assert by_name["Mine Export Deal"][3] == "1200.00"


def test_the_deal_export_honours_the_lists_filters_and_search(tenant_a):
    make_deal(tenant_a, "sales", name="Findme Proposal", stage="Proposal")
    make_deal(tenant_a, "sales", name="Findme Qualification", stage="Qualification")
    make_deal(tenant_a, "sales", name="Elsewhere Proposal", stage="Proposal")
    stage = stage_named(tenant_a, "Proposal")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))

    response = client.get("/api/v1/deals/export/", {"search": "findme", "stage": stage.pk})

    assert [row[1] for row in _csv(response)[1:]] == ["Findme Proposal"]


def test_a_deal_amount_hidden_from_the_role_is_masked_in_the_export(tenant_a):
    make_deal(tenant_a, "sales", name="Masked Export Deal", amount="98765.00")
    with in_tenant(tenant_a):
        set_sensitive_field(by=user_of(tenant_a, "admin"), module="deals", field="amount", hidden_from=["sales"])

    sales = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/deals/export/?search=Masked Export")
    admin = api_client(tenant_a, user_of(tenant_a, "admin")).get("/api/v1/deals/export/?search=Masked Export")

    assert _csv(sales)[1][3] == MASK and b"98765" not in sales.content
    assert _csv(admin)[1][3] == "98765.00"


def test_the_deal_export_as_xlsx(tenant_a):
    make_deal(tenant_a, "sales", name="Sheet Deal", amount="10.50")

    response = api_client(tenant_a, user_of(tenant_a, "sales")).get(
        "/api/v1/deals/export/?file_format=xlsx&search=Sheet Deal"
    )

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:2] == ["ID", "Name"] and [row[1] for row in rows[1:]] == ["Sheet Deal"]


def test_the_deal_export_is_refused_where_the_deals_module_is_hidden(tenant_a):
    make_deal(tenant_a, "sales", name="Hidden Module Deal")
    with in_tenant(tenant_a):
        set_module_visibility(by=user_of(tenant_a, "admin"), role="sales", module="deals", hidden=True)

    response = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/deals/export/")

    assert response.status_code in (403, 404)
    assert b"Hidden Module Deal" not in response.content


def test_the_deal_export_is_in_the_openapi_document_as_csv_or_xlsx(tenant_a):
    document = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/schema/?format=json").json()

    operation = document["paths"]["/api/v1/deals/export/"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    assert {"file_format", "search", "stage"} <= {p["name"] for p in operation["parameters"]}
