"""Every list page carries the same tools: saved views above it and, where the
list has an export, CSV and XLSX of exactly what it shows to this user."""

import csv
import io

import pytest

from crm.savedviews.services import create_saved_view
from tests.crm.accounts.test_web import browser
from tests.crm.deals.factories import make_deal
from tests.crm.leads.test_leads import make_lead
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("list_name", "url", "export"),
    [
        ("accounts", "/accounts/", "/accounts/export/"),
        ("contacts", "/contacts/", "/contacts/export/"),
        ("leads", "/leads/", "/leads/export/"),
        ("deals", "/deals/list/", "/deals/export/"),
        ("pool", "/pool/", None),
    ],
)
def test_each_list_page_shows_its_saved_views_and_its_export_buttons(tenant_a, list_name, url, export):
    with in_tenant(tenant_a):
        create_saved_view(by=user_of(tenant_a, "sales"), list_name=list_name, name=f"My {list_name}", query="q=zeta")
    page = browser(tenant_a, "sales").get(url).content.decode()
    assert f'<a href="{url}?q=zeta" data-testid="saved-view"' in page
    if export:
        assert f'href="{export}?file_format=csv"' in page
    else:
        assert 'data-testid="export"' not in page


def test_the_deal_list_export_holds_only_the_filtered_deals_the_user_may_see(tenant_a):
    make_deal(tenant_a, "sales", name="Exportdeal Mine", amount="1200.50")
    make_deal(tenant_a, "sales", name="Other Deal")
    make_deal(tenant_a, "sales2", name="Exportdeal Theirs")
    response = browser(tenant_a, "sales").get("/deals/export/?q=exportdeal&file_format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["ID", "Name", "Account", "Amount"]
    assert [(row[1], row[3]) for row in rows[1:]] == [("Exportdeal Mine", "1200.50")]


def test_the_lead_list_export_holds_only_the_filtered_leads_the_user_may_see(tenant_a):
    make_lead(tenant_a, "sales", first_name="Exportlead", last_name="Mine")
    make_lead(tenant_a, "sales2", first_name="Exportlead", last_name="Theirs")
    response = browser(tenant_a, "sales").get("/leads/export/?q=exportlead")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row[1], row[2]) for row in rows[1:]] == [("Exportlead", "Mine")]
