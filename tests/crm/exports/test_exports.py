import csv
import io

import openpyxl
import pytest

from tests.crm.accounts.factories import account, contact
from tests.tenancy import api_client, user_of

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
    assert rows[0][:3] == ["id", "name", "kind"]
    assert [row[1] for row in rows[1:]] == ["Sheet Co"]


def test_a_cell_that_looks_like_a_formula_is_exported_as_text(tenant_a):
    account(tenant_a, "=HYPERLINK(1)", owner="sales")
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/accounts/export/?search=HYPERLINK")
    assert [row[1] for row in _csv(response)[1:]] == ["'=HYPERLINK(1)"]


def test_an_unknown_file_format_is_a_400(tenant_a):
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/leads/export/?file_format=pdf")
    assert response.status_code == 400
