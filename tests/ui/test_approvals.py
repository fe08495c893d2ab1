"""Approvals in the browser, at phone width (approving from a phone is the
common case): a sales rep registers a large deal from its page, their manager
sees the pending count in the menu, approves from the inbox, and the deal's
page then shows it registered."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.accounts import services as accounts
from crm.deals import services as deals
from crm.deals.models import RegistrationRule
from crm.teams.models import Team, TeamMembership
from crm.users.models import Role, User
from tests.tenancy import PASSWORD, in_tenant
from tests.ui.conftest import screenshot, sign_in

pytestmark = pytest.mark.slow

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "en-US"}


@pytest.fixture
def large_deal(ui_tenant):
    with in_tenant(ui_tenant):
        sales = User.objects.get(email="sales@example.test")
        manager = User.objects.create_user(
            email="manager@example.test", password=PASSWORD, role=Role.MANAGER, name="Mia Manager"
        )
        team = Team.objects.create(name="East", manager=manager)
        TeamMembership.objects.create(user=sales, team=team)
        RegistrationRule.objects.update_or_create(pk=1, defaults={"threshold": Decimal("100000"), "currency": "CNY"})
        account = accounts.create_account(by=sales, name="Harbour Authority")
        return deals.create_deal(by=sales, name="Harbour cranes", account=account, amount=Decimal("250000"))


def phone(chromium):
    context = chromium.new_context(**PHONE)
    context.set_default_timeout(15_000)
    return context


def test_a_sales_rep_registers_a_large_deal_and_the_manager_approves_it_from_a_phone(chromium, site, large_deal):
    rep = phone(chromium)
    try:
        page = rep.new_page()
        sign_in(page, site, "sales@example.test")
        page.goto(f"{site}/deals/{large_deal.pk}/")
        card = page.get_by_test_id("approval-card")
        expect(card.get_by_test_id("approval-hint")).to_be_visible()
        card.get_by_role("button", name="Register").click()
        expect(card.get_by_test_id("approval-status")).to_have_text("Pending")
        expect(card).to_contain_text("Submitted for approval.")
        expect(card.get_by_role("button", name="Withdraw")).to_be_visible()
        screenshot(page, "approval-card-pending-phone")
    finally:
        rep.close()

    boss = phone(chromium)
    try:
        page = boss.new_page()
        sign_in(page, site, "manager@example.test")
        page.get_by_role("button", name="Menu", exact=True).click()
        approvals = page.get_by_role("navigation", name="main").get_by_role("link", name=re.compile("^Approvals"))
        expect(approvals.get_by_test_id("approvals-count")).to_have_text(re.compile("1"))
        approvals.click()
        item = page.get_by_test_id("approval-task")
        expect(item).to_have_count(1)
        expect(item).to_contain_text("Harbour cranes")
        expect(item).to_contain_text("250,000.00")
        screenshot(page, "approvals-inbox-phone")
        item.get_by_role("textbox").fill("Registered for East")
        item.get_by_role("button", name="Approve").click()
        expect(item.get_by_test_id("approval-task-status")).to_have_text("Approved")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the inbox must not scroll sideways"
        screenshot(page, "approvals-inbox-approved-phone")
    finally:
        boss.close()

    rep = phone(chromium)
    try:
        page = rep.new_page()
        sign_in(page, site, "sales@example.test")
        page.goto(f"{site}/deals/{large_deal.pk}/")
        card = page.get_by_test_id("approval-card")
        expect(card.get_by_test_id("approval-status")).to_have_text("Approved")
        expect(card).to_contain_text("Registered for East")
        expect(card.get_by_role("button", name="Register")).to_have_count(0)
    finally:
        rep.close()
