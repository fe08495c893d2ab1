"""Daily work in the browser: worklists fed by logged activities, the deals
kanban, and claiming from the customer pool."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.accounts import pool
from crm.accounts import services as accounts
from crm.accounts.models import Account
from crm.deals import services as deals
from crm.deals.models import Deal
from crm.deals.selectors import default_pipeline
from crm.users.models import User
from tests.tenancy import in_tenant
from tests.ui.conftest import screenshot, sign_in

pytestmark = pytest.mark.slow


def test_logging_a_call_due_today_puts_the_account_on_todays_worklist(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        account = accounts.create_account(by=owner, name="Contoso Ltd")
    sign_in(page, site, "owner@example.test")
    page.goto(f"{site}/worklists/")
    expect(page.get_by_test_id("worklist-today")).not_to_contain_text("Contoso Ltd")

    page.goto(f"{site}/accounts/{account.pk}/")
    form = page.get_by_test_id("log-activity")
    form.get_by_label("Kind").select_option("call")
    form.get_by_label("Subject").fill("Intro call")
    form.get_by_label("Next contact").fill(timezone.localdate().isoformat())
    form.get_by_role("button", name="Log").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Intro call")
    screenshot(page, "account-timeline")

    page.get_by_role("navigation", name="main").get_by_role("link", name="Worklists").click()
    expect(page.get_by_test_id("worklist-today")).to_contain_text("Contoso Ltd")
    expect(page.get_by_test_id("worklist-never_contacted")).not_to_contain_text("Contoso Ltd")
    screenshot(page, "worklists")


def test_logging_a_meeting_on_a_contact_page_shows_it_in_the_contacts_timeline(page, site, ui_tenant):
    from crm.contacts import services as contacts

    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        account = accounts.create_account(by=owner, name="Fabrikam", follow_up_days=10)
        person = contacts.create_contact(by=owner, first_name="Dana", last_name="Fab", account=account)
    sign_in(page, site, "owner@example.test")
    page.goto(f"{site}/contacts/{person.pk}/")
    form = page.get_by_test_id("log-activity")
    expect(form).to_contain_text("every 10 days")
    form.get_by_label("Kind").select_option("meeting")
    form.get_by_label("Subject").fill("Kick-off with Dana")
    form.get_by_role("button", name="Log").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Kick-off with Dana")
    expect(page.get_by_test_id("next-contact")).to_be_visible()
    screenshot(page, "contact-timeline")
    page.goto(f"{site}/accounts/{account.pk}/")
    expect(page.get_by_test_id("timeline")).to_contain_text("Kick-off with Dana")


def test_moving_a_deal_on_the_kanban_is_saved(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        deal = deals.create_deal(by=owner, name="Big Order", amount=1200)
        stages = list(default_pipeline().stages.order_by("position"))
        target = stages[1]
    sign_in(page, site, "owner@example.test")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Deals").click()
    card = page.get_by_test_id(f"deal-{deal.pk}")
    expect(page.get_by_test_id(f"stage-{stages[0].pk}")).to_contain_text("Big Order")

    card.get_by_text("Move to…").click()
    card.get_by_label("Move to stage").select_option(str(target.pk))
    card.get_by_role("button", name="Move").click()
    expect(page.get_by_test_id(f"stage-{target.pk}")).to_contain_text("Big Order")
    page.reload()
    expect(page.get_by_test_id(f"stage-{target.pk}")).to_contain_text("Big Order")
    with in_tenant(ui_tenant):
        assert Deal.objects.get(pk=deal.pk).stage_id == target.pk
    screenshot(page, "kanban")


def test_moving_a_deal_to_a_lost_stage_without_a_reason_is_refused_on_the_page(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        deal = deals.create_deal(by=owner, name="Shaky Order")
        lost = default_pipeline().stages.get(kind="lost")
        before = deal.stage_id
    sign_in(page, site, "owner@example.test")
    page.goto(f"{site}/deals/")
    card = page.get_by_test_id(f"deal-{deal.pk}")
    card.get_by_text("Move to…").click()
    card.get_by_label("Move to stage").select_option(str(lost.pk))
    card.get_by_role("button", name="Move").click()
    expect(page.get_by_test_id("kanban-errors")).to_contain_text("lost")
    with in_tenant(ui_tenant):
        assert Deal.objects.get(pk=deal.pk).stage_id == before


def test_claiming_an_account_from_the_pool(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        account = accounts.create_account(by=owner, name="Orphan Inc")
        pool.release(account=account, by=owner)
    sign_in(page, site, "sales@example.test")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Customer pool").click()
    row = page.get_by_test_id("pool-row").filter(has_text="Orphan Inc")
    row.get_by_role("button", name="Claim").click()
    expect(row.get_by_test_id("claimed")).to_be_visible()
    screenshot(page, "pool-claimed")
    with in_tenant(ui_tenant):
        assert Account.objects.get(pk=account.pk).owner.email == "sales@example.test"


def test_claiming_over_the_cap_shows_why(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        sales = User.objects.get(email="sales@example.test")
        accounts.create_account(by=owner, name="Already Mine", owner=sales)
        account = accounts.create_account(by=owner, name="Orphan Two")
        pool.release(account=account, by=owner)
        pool.update_settings(by=owner, claim_cap=1)
    sign_in(page, site, "sales@example.test")
    page.goto(f"{site}/pool/")
    row = page.get_by_test_id("pool-row").filter(has_text="Orphan Two")
    row.get_by_role("button", name="Claim").click()
    expect(row.get_by_test_id("claim-error")).to_contain_text(re.compile("Release some first"))
    screenshot(page, "pool-cap")
    with in_tenant(ui_tenant):
        assert Account.objects.get(pk=account.pk).owner_id is None


def test_dragging_a_deal_onto_the_lost_column_asks_why_and_saves_the_reason(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        deal = deals.create_deal(by=owner, name="Price Shopper")
        lost = default_pipeline().stages.get(kind="lost")
    sign_in(page, site, "owner@example.test")
    page.goto(f"{site}/deals/")
    page.once("dialog", lambda dialog: dialog.accept("Too expensive"))
    drag_and_drop(page, f"[data-testid=deal-{deal.pk}]", f"[data-testid=stage-{lost.pk}]")
    expect(page.get_by_test_id(f"stage-{lost.pk}")).to_contain_text("Price Shopper")
    with in_tenant(ui_tenant):
        moved = Deal.objects.get(pk=deal.pk)
        assert (moved.stage_id, moved.lost_reason) == (lost.pk, "Too expensive")
    screenshot(page, "kanban-lost")


def drag_and_drop(page, source, target):
    """The HTML5 drag events a person's drag fires, with one DataTransfer between them
    (headless chromium does not always start a native drag from synthesized mouse moves)."""
    page.evaluate(
        """([source, target]) => {
        const card = document.querySelector(source), column = document.querySelector(target);
        const data = new DataTransfer();
        for (const [node, type] of [[card, "dragstart"], [column, "dragover"], [column, "drop"], [card, "dragend"]]) {
            node.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: data}));
        }
    }""",
        [source, target],
    )
