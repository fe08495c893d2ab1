"""Deals, tasks and notifications in the browser: open a deal from the list and
pause it, create and finish a task, and see a manager's comment arrive."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.accounts import services as accounts
from crm.activities import services as activities
from crm.deals import services as deals
from crm.deals.models import Deal
from crm.teams.models import Team, TeamMembership
from crm.users.models import Role, User
from tests.tenancy import PASSWORD, in_tenant
from tests.ui.conftest import screenshot, sign_in

pytestmark = pytest.mark.slow


def test_opening_a_deal_from_the_list_and_pausing_it_shows_it_paused_on_the_board(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        account = accounts.create_account(by=owner, name="Contoso Ltd")
        deal = deals.create_deal(
            by=owner,
            name="Fleet Renewal",
            account=account,
            amount=48000,
            expected_close_date=timezone.localdate() + datetime.timedelta(days=40),
        )
        deals.create_deal(by=owner, name="Spare Parts", amount=1200)
    until = timezone.localdate() + datetime.timedelta(days=21)
    sign_in(page, site, "owner@example.test")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Deals").click()
    page.get_by_test_id("deal-views").get_by_role("link", name="List").click()
    table = page.get_by_test_id("deal-list")
    expect(table.get_by_test_id("deal-row")).to_have_count(2)
    expect(page.get_by_test_id("weighted-total")).to_contain_text("4,920.00")  # 10 % of 48,000 and of 1,200
    page.get_by_placeholder("Search by deal or account").fill("contoso")
    expect(table.get_by_test_id("deal-row")).to_have_count(1)
    expect(page.get_by_test_id("weighted-total")).to_contain_text("4,800.00")
    screenshot(page, "deal-list")

    table.get_by_role("link", name="Fleet Renewal").click()
    expect(page.get_by_role("heading", name=re.compile("Fleet Renewal"))).to_be_visible()
    form = page.get_by_test_id("pause-deal")
    form.get_by_role("button", name="Pause").click()  # no reason: refused inline, nothing saved
    expect(form.locator("#id_reason-error")).to_be_visible()
    form = page.get_by_test_id("pause-deal")
    form.get_by_label("Reason").fill("Budget freeze until the new fiscal year")
    form.get_by_label("Reactivate on").fill(until.isoformat())
    form.get_by_role("button", name="Pause").click()
    expect(page.get_by_test_id("deal-status")).to_contain_text("Paused until")
    expect(page.get_by_test_id("pause-reason")).to_contain_text("Budget freeze")
    expect(page.get_by_test_id("history")).to_contain_text("paused the deal")
    screenshot(page, "deal-detail")

    page.get_by_role("link", name="Board").click()
    card = page.get_by_test_id(f"deal-{deal.pk}")
    expect(card.get_by_test_id("paused")).to_contain_text("Paused until")
    expect(card).to_have_attribute("draggable", "false")
    expect(card.get_by_role("button", name="Move")).to_have_count(0)
    screenshot(page, "kanban-paused")
    with in_tenant(ui_tenant):
        paused = Deal.objects.get(pk=deal.pk)
        assert (paused.paused_until, paused.pause_reason) == (until, "Budget freeze until the new fiscal year")

    card.get_by_role("link", name="Fleet Renewal").click()
    page.get_by_role("button", name="Reactivate now").click()
    expect(page.get_by_test_id("deal-status")).to_have_text("Open")


def test_creating_a_task_and_marking_it_done(page, site, ui_tenant):
    sign_in(page, site, "sales@example.test")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Tasks").click()
    page.get_by_test_id("new-task").click()
    page.get_by_role("button", name="Save").click()  # no title: the form stays, with its error inline
    expect(page.locator("#id_title-error")).to_be_visible()
    page.fill("#id_title", "Send the revised quote")
    page.fill("#id_due_date", timezone.localdate().isoformat())
    page.fill("#id_remind_at", f"{timezone.localdate().isoformat()}T16:30")
    page.get_by_role("button", name="Save").click()
    today = page.get_by_test_id("tasks-today")
    expect(today).to_contain_text("Send the revised quote")
    screenshot(page, "tasks")

    today.get_by_role("button", name="Done").click()
    expect(page.get_by_test_id("tasks-done")).to_contain_text("Send the revised quote")
    expect(page.get_by_test_id("tasks-today")).not_to_contain_text("Send the revised quote")
    with in_tenant(ui_tenant):
        assert User.objects.get(email="sales@example.test").tasks.get().done


def test_a_managers_comment_raises_the_owners_notification_count(page, chromium, site, ui_tenant):
    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        sales = User.objects.get(email="sales@example.test")
        manager = User.objects.create_user(
            email="manager@example.test", password=PASSWORD, role=Role.MANAGER, name="Mia Manager"
        )
        team = Team.objects.create(name="East", manager=manager)
        TeamMembership.objects.create(user=sales, team=team)
        account = accounts.create_account(by=owner, name="Initech", owner=sales)
        call = activities.log_activity(by=sales, kind="call", subject="Pitched the fleet deal", account=account)
    sign_in(page, site, "sales@example.test")
    bell = page.get_by_test_id("notifications")
    expect(bell).to_contain_text("0 unread notifications")
    expect(bell.get_by_test_id("notification-count")).to_have_count(0)

    manager_context = chromium.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    manager_page = manager_context.new_page()
    try:
        sign_in(manager_page, site, "manager@example.test")
        manager_page.goto(f"{site}/accounts/{account.pk}/")
        item = manager_page.get_by_test_id(f"activity-{call.pk}")
        item.locator("summary").click()
        item.get_by_label("Comment").fill("Good call, push for Q3")
        item.get_by_role("button", name="Add comment").click()
        expect(manager_page.get_by_test_id(f"comments-{call.pk}")).to_contain_text("Good call, push for Q3")
    finally:
        manager_context.close()

    # What the 30-second poll does, without waiting for it.
    page.evaluate("htmx.trigger(document.body, 'notifications-changed')")
    expect(bell.get_by_test_id("notification-count")).to_have_text("1")
    bell.click()
    page.get_by_role("button", name=re.compile("commented on")).click()
    expect(page.get_by_test_id(f"comments-{call.pk}")).to_contain_text("Good call, push for Q3")
    expect(page.get_by_test_id("notifications")).to_contain_text("0 unread notifications")
