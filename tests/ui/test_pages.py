"""What a person sees in the browser: sign in, create records, switch language,
and never a record outside their scope."""

import re

import pytest
from playwright.sync_api import expect

from crm.accounts import services as accounts
from crm.users.models import User
from tests.tenancy import in_tenant
from tests.ui.conftest import screenshot, sign_in

pytestmark = pytest.mark.slow


def test_signing_in_shows_the_dashboard_with_the_sidebar(page, site):
    sign_in(page, site, "owner@example.test")
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    nav = page.get_by_role("navigation", name="main")
    for label in ("Home", "Accounts", "Contacts"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    screenshot(page, "home")


def test_creating_an_account_and_a_contact_in_the_ui(page, site):
    sign_in(page, site, "owner@example.test")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Accounts").click()
    page.get_by_role("link", name="New account").click()

    page.get_by_role("button", name="Save").click()  # empty name: the form stays, with its error inline
    expect(page.locator("#id_name-error")).to_contain_text("required")
    page.fill("#id_name", "Northwind Traders")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Northwind Traders")).to_be_visible()
    expect(page.get_by_test_id("history")).to_contain_text("created the account")
    screenshot(page, "account-detail")

    page.get_by_role("link", name="Add contact").click()
    page.fill("#id_first_name", "Ann")
    page.fill("#id_last_name", "Lee")
    page.fill("#id_email", "not-an-email")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_email-error")).to_be_visible()
    page.fill("#id_email", "ann@northwind.test")
    screenshot(page, "contact-form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Ann Lee")).to_be_visible()
    expect(page.get_by_test_id("contact-fields").get_by_role("link", name="Northwind Traders")).to_be_visible()
    expect(page.get_by_test_id("contact-accounts")).to_contain_text("Primary")

    page.goto(f"{site}/contacts/")
    expect(page.get_by_test_id("contact-list")).to_contain_text("ann@northwind.test")
    screenshot(page, "contacts")


def test_account_list_filters_without_reloading_the_page(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        for name in ("Alpha Mills", "Beta Foods", "Gamma Tools"):
            accounts.create_account(by=owner, name=name)
    sign_in(page, site, "owner@example.test")
    page.goto(f"{site}/accounts/")
    table = page.get_by_test_id("account-list")
    expect(table.locator("tbody tr")).to_have_count(3)
    page.evaluate("window.notReloaded = true")
    page.get_by_placeholder("Search by name").fill("beta")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Beta Foods")
    assert page.evaluate("window.notReloaded") is True
    expect(page).to_have_url(re.compile(r"q=beta"))
    screenshot(page, "accounts")


def test_switching_to_chinese_shows_chinese_labels(page, site):
    sign_in(page, site, "owner@example.test")
    page.get_by_test_id("language").select_option("zh-hans")
    nav = page.get_by_role("navigation", name="main")
    expect(nav.get_by_role("link", name="客户", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="联系人", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.goto(f"{site}/accounts/")
    expect(page.get_by_role("link", name="新建客户")).to_be_visible()
    screenshot(page, "accounts-zh-hans")


def test_sales_user_sees_neither_in_list_nor_in_search_another_owners_account(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        sales = User.objects.get(email="sales@example.test")
        other = User.objects.get(email="sales2@example.test")
        accounts.create_account(by=sales, name="Harbor Mine")
        theirs = accounts.create_account(by=other, name="Harbor Theirs")
    sign_in(page, site, "sales@example.test")

    page.goto(f"{site}/accounts/")
    table = page.get_by_test_id("account-list")
    expect(table).to_contain_text("Harbor Mine")
    expect(table).not_to_contain_text("Harbor Theirs")

    page.get_by_test_id("global-search").fill("Harbor")
    results = page.get_by_test_id("search-results")
    expect(results).to_contain_text("Harbor Mine")
    expect(results).not_to_contain_text("Harbor Theirs")
    screenshot(page, "global-search")

    response = page.goto(f"{site}/accounts/{theirs.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()


def test_sidebar_folds_away_at_phone_width(chromium, site):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, site, "owner@example.test")
        nav = page.get_by_role("navigation", name="main")
        expect(nav).not_to_be_in_viewport()
        page.get_by_role("button", name="Menu", exact=True).click()
        expect(nav).to_be_in_viewport()
        page.wait_for_timeout(300)  # the slide-in transition, for the screenshot
        screenshot(page, "home-phone-menu")
    finally:
        context.close()
