"""The global search: Enter opens the results as a page; a phone number typed
without spaces finds the records whose phone has spaces or dashes, unless the
user's role has the phone masked."""

import pytest

from tests.crm.accounts.factories import account, contact
from tests.crm.accounts.test_web import browser
from tests.crm.deals.factories import make_deal
from tests.crm.leads.test_leads import make_lead
from tests.crm.test_masking_web import hide

pytestmark = pytest.mark.django_db


def test_the_search_box_submits_to_the_results_page(tenant_a):
    page = browser(tenant_a, "sales").get("/").content.decode()
    form = page.split('data-testid="global-search-form"')[0].rsplit("<form", 1)[1]
    assert 'action="/search/"' in form and 'method="get"' in form


def test_the_results_page_lists_matches_per_kind(tenant_a):
    account(tenant_a, "Harbour Trading", owner="sales")
    contact(tenant_a, "Hana", last_name="Harbour", owner="sales")
    response = browser(tenant_a, "sales").get("/search/", {"q": "Harbour"})
    page = response.content.decode()
    assert response.status_code == 200 and 'class="sidebar"' in page
    assert "Accounts" in page and "Harbour Trading" in page
    assert "Contacts" in page and "Hana Harbour" in page


def test_a_phone_typed_without_spaces_finds_contacts_and_accounts(tenant_a):
    account(tenant_a, "Dash Trading", owner="sales", phone="+86 10-6552-8888")
    contact(tenant_a, "Sun", last_name="Spaced", owner="sales", phone="+86 138 0013 8000")
    client = browser(tenant_a, "sales")
    assert "Sun Spaced" in client.get("/search/", {"q": "13800138000"}).content.decode()
    assert "Dash Trading" in client.get("/search/", {"q": "1065528888"}).content.decode()


def test_a_masked_phone_is_not_matched_on_its_key(tenant_a):
    account(tenant_a, "Dash Trading", owner="sales", phone="+86 10-6552-8888")
    contact(tenant_a, "Sun", last_name="Spaced", owner="sales", phone="+86 138 0013 8000")
    hide(tenant_a, "contacts", "phone")
    hide(tenant_a, "accounts", "phone")
    page = browser(tenant_a, "sales").get("/search/", {"q": "13800138000"}).content.decode()
    assert "Sun Spaced" not in page
    page = browser(tenant_a, "sales").get("/search/", {"q": "1065528888"}).content.decode()
    assert "Dash Trading" not in page
    assert "Sun Spaced" in browser(tenant_a, "admin").get("/search/", {"q": "13800138000"}).content.decode()


# Leads and deals -------------------------------------------------------------------


def test_the_results_cover_leads_and_deals(tenant_a):
    make_lead(tenant_a, first_name="Lena", last_name="Quarry", company="Quarry Stone")
    make_deal(tenant_a, "sales", name="Quarry expansion")
    page = browser(tenant_a, "sales").get("/search/", {"q": "Quarry"}).content.decode()
    assert "Leads" in page and "Lena Quarry" in page
    assert "Deals" in page and "Quarry expansion" in page


def test_a_sales_user_does_not_find_another_owners_lead_or_deal(tenant_a):
    make_lead(tenant_a, owner_local="sales2", first_name="Otto", last_name="Elsewhere", phone="+86 139 1111 2222")
    make_deal(tenant_a, "sales2", name="Elsewhere deal")
    client = browser(tenant_a, "sales")
    for text in ("Elsewhere", "13911112222"):
        page = client.get("/search/", {"q": text}).content.decode()
        assert "Otto Elsewhere" not in page and "Elsewhere deal" not in page
    assert "Otto Elsewhere" in browser(tenant_a, "sales2").get("/search/", {"q": "Elsewhere"}).content.decode()


def test_a_lead_is_found_by_a_phone_typed_without_spaces_and_a_cjk_name_in_either_order(tenant_a):
    make_lead(tenant_a, first_name="伟", last_name="李", company="李氏贸易", phone="+86 138 0013 8000", email="")
    client = browser(tenant_a, "sales")
    for text in ("13800138000", "李伟", "伟李", "李 伟"):
        assert "李伟" in client.get("/search/", {"q": text}).content.decode(), text


def test_a_masked_lead_phone_is_not_matched_on_its_digits(tenant_a):
    make_lead(tenant_a, first_name="Mask", last_name="Phoned", phone="+86 138 0013 8000", email="")
    hide(tenant_a, "leads", "phone")
    assert "Mask Phoned" not in browser(tenant_a, "sales").get("/search/", {"q": "13800138000"}).content.decode()
