"""The admin's settings pages in the browser: inviting users up to the paid seats,
hiding a module from a role, and editing a pipeline's stages."""

import re

import pytest
from playwright.sync_api import expect

from crm.deals.models import Stage
from crm.deals.selectors import default_pipeline
from crm.users.models import User
from tenants.models import Tenant
from tests.tenancy import in_tenant
from tests.ui.conftest import screenshot, sign_in

pytestmark = pytest.mark.slow


def open_settings(page, tab):
    page.get_by_role("navigation", name="main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name=tab, exact=True).click()


def test_admin_invites_a_user_and_is_told_when_the_paid_seats_run_out(page, site, ui_tenant):
    Tenant.objects.filter(pk=ui_tenant.pk).update(seats=4)  # owner and two sales: one seat free
    sign_in(page, site, "owner@example.test")
    open_settings(page, "Users")
    expect(page.get_by_test_id("seats")).to_contain_text("3 of 4")

    page.get_by_role("link", name="Invite user").click()
    form = page.get_by_test_id("invite-form")
    form.get_by_label("E-mail").fill("not-an-address")
    form.get_by_role("button", name="Invite").click()
    expect(page.locator("#id_email-error")).to_be_visible()  # inline, the page stays
    page.get_by_label("E-mail").fill("wen@example.test")
    page.get_by_label("Name").fill("Wen Li")
    page.get_by_label("Role").select_option("manager")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("wen@example.test is invited")).to_be_visible()
    row = page.get_by_test_id("user-list").locator("tr", has_text="wen@example.test")
    expect(row).to_contain_text("Manager")
    expect(page.get_by_test_id("seats")).to_contain_text("4 of 4")
    screenshot(page, "settings-users")

    page.get_by_role("link", name="Invite user").click()
    page.get_by_label("E-mail").fill("one.too.many@example.test")
    page.get_by_label("Name").fill("One Too Many")
    page.get_by_role("button", name="Invite").click()
    form = page.get_by_test_id("invite-form")
    expect(form.get_by_role("alert")).to_contain_text("All 4 paid seats are taken")
    expect(form.get_by_test_id("form-notice")).to_contain_text("Seats are bought on the billing page.")
    with in_tenant(ui_tenant):
        assert User.objects.filter(email="wen@example.test", role="manager").exists()
        assert not User.objects.filter(email="one.too.many@example.test").exists()

    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("link", name="sales2@example.test").click()
    expect(page.get_by_test_id("owned-counts")).to_contain_text("owns no records")
    screenshot(page, "settings-user")


def test_admin_hides_a_module_from_sales(page, site, chromium):
    sign_in(page, site, "owner@example.test")
    open_settings(page, "Permissions")
    page.get_by_label("Hide Accounts from Sales").check()
    page.get_by_role("button", name="Save module permissions").click()
    expect(page.get_by_test_id("module-grid").get_by_role("status")).to_have_text("Saved.")
    page.reload()
    expect(page.get_by_label("Hide Accounts from Sales")).to_be_checked()
    expect(page.get_by_label("Hide Accounts from Manager")).not_to_be_checked()
    screenshot(page, "settings-permissions")

    context = chromium.new_context(locale="en-US")
    sales = context.new_page()
    try:
        sign_in(sales, site, "sales@example.test")
        nav = sales.get_by_role("navigation", name="main")
        expect(nav.get_by_role("link", name="Contacts", exact=True)).to_be_visible()
        expect(nav.get_by_role("link", name="Accounts", exact=True)).to_have_count(0)
        expect(nav.get_by_role("link", name="Settings")).to_have_count(0)
        response = sales.goto(f"{site}/accounts/")
        assert response.status == 404
    finally:
        context.close()


def test_admin_edits_a_stage_probability(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        pipeline = default_pipeline()
        stage = pipeline.stages.order_by("position")[1]
    sign_in(page, site, "owner@example.test")
    open_settings(page, "Pipelines")
    page.get_by_test_id("pipeline-list").get_by_role("link", name=pipeline.name).click()
    page.get_by_role("link", name=f"Edit {stage.name}").click()

    page.get_by_label("Win probability (%)").fill("101")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_probability-error")).to_be_visible()
    with in_tenant(ui_tenant):
        assert Stage.objects.get(pk=stage.pk).probability == stage.probability

    page.get_by_label("Win probability (%)").fill("45")
    page.get_by_role("button", name="Save").click()
    row = page.get_by_test_id(f"stage-{stage.pk}")
    expect(row).to_contain_text("45%")
    with in_tenant(ui_tenant):
        assert Stage.objects.get(pk=stage.pk).probability == 45

    # Moving it up puts it first, without reloading the page.
    page.evaluate("window.notReloaded = true")
    row.get_by_role("button", name=f"Move {stage.name} up").click()
    expect(page.get_by_test_id("stages").locator("tbody tr").first).to_contain_text(stage.name)
    assert page.evaluate("window.notReloaded") is True
    expect(page).to_have_url(re.compile(rf"/settings/pipelines/{pipeline.pk}/$"))
    screenshot(page, "settings-pipelines")
