"""List tools and record actions in the browser: save a filtered view, come back
through it, export what it shows; release an account to the pool from its page."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from crm.accounts import services as accounts
from crm.accounts.models import Account
from crm.audit.models import AuditEvent
from crm.users.models import User
from tests.tenancy import in_tenant
from tests.ui.conftest import screenshot, sign_in

pytestmark = pytest.mark.slow


def test_a_saved_view_brings_back_the_filter_and_exports_its_rows(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        sales = User.objects.get(email="sales@example.test")
        other = User.objects.get(email="sales2@example.test")
        for name in ("Harbor Mills", "Harbor Foods", "Inland Tools"):
            accounts.create_account(by=sales, name=name)
        accounts.create_account(by=other, name="Harbor Theirs")
    sign_in(page, site, "sales@example.test")
    page.goto(f"{site}/accounts/")
    table = page.get_by_test_id("account-list")
    expect(table.locator("tbody tr")).to_have_count(3)

    page.get_by_placeholder("Search by name").fill("harbor")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"q=harbor"))

    page.get_by_text("Save this view").click()
    page.get_by_label("Name of the view").first.fill("Harbor customers")
    page.get_by_role("button", name="Save view").click()
    views = page.get_by_test_id("saved-views")
    expect(views.get_by_role("link", name="Harbor customers")).to_be_visible()

    page.goto(f"{site}/accounts/")
    expect(table.locator("tbody tr")).to_have_count(3)
    page.get_by_test_id("saved-views").get_by_role("link", name="Harbor customers").click()
    expect(page).to_have_url(re.compile(r"q=harbor"))
    expect(page.get_by_placeholder("Search by name")).to_have_value("harbor")
    expect(table.locator("tbody tr")).to_have_count(2)
    screenshot(page, "accounts-saved-view")

    with page.expect_download() as download:
        page.get_by_test_id("export").get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "accounts.csv"
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert rows[0][:2] == ["ID", "Name"]
    assert sorted(row[1] for row in rows[1:]) == ["Harbor Foods", "Harbor Mills"]

    # For a program: the API's keys and the stored codes, still the filtered rows.
    page.get_by_test_id("export-values").select_option("codes")
    with page.expect_download() as download:
        page.get_by_test_id("export").get_by_role("link", name="CSV").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert rows[0][:3] == ["id", "name", "kind"]
    assert sorted(row[2] for row in rows[1:]) == ["company", "company"]


def test_the_owner_releases_an_account_to_the_pool_from_its_page(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        sales = User.objects.get(email="sales@example.test")
        account = accounts.create_account(by=sales, name="Lighthouse Ltd")
    sign_in(page, site, "sales@example.test")
    page.goto(f"{site}/accounts/{account.pk}/")
    page.get_by_test_id("watch").get_by_role("button").click()
    expect(page.get_by_test_id("watch")).to_contain_text("★")
    screenshot(page, "account-detail-actions")

    page.get_by_role("link", name="Release to the pool…").click()
    page.get_by_label("Reason (optional)").fill("Moved abroad")
    page.get_by_role("button", name="Release to the pool").click()
    expect(page).to_have_url(f"{site}/pool/")
    expect(page.get_by_test_id("pool-list")).to_contain_text("Lighthouse Ltd")
    with in_tenant(ui_tenant):
        assert Account.objects.get(pk=account.pk).owner_id is None
        assert AuditEvent.objects.filter(
            target_type="accounts.account", target_id=account.pk, action="pool.released", payload__reason="Moved abroad"
        ).exists()
