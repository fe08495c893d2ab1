"""The lists, the deals board, Home and Billing in the browser: ticking rows and
acting on them in bulk; Won and Lost in reach on a 1,366 × 768 screen; no
sideways scrolling at phone width (390 px), where lists turn into cards and the
filters wait behind a button; cards on one grid."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.accounts import services as accounts
from crm.accounts.models import Account
from crm.activities.services import create_task
from crm.contacts import services as contacts
from crm.deals import services as deals
from crm.deals.models import Deal
from crm.deals.selectors import default_pipeline
from crm.leads import services as leads
from crm.users.models import User
from tests.tenancy import in_tenant
from tests.ui.conftest import screenshot, sign_in

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}


def _context_page(chromium, viewport):
    context = chromium.new_context(viewport=viewport, locale="en-US")
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_ticking_rows_counts_them_and_deletes_them_after_a_confirmation(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        sales = User.objects.get(email="sales@example.test")
        for name in ("Alder Ltd", "Birch Ltd", "Cedar Ltd"):
            accounts.create_account(by=sales, name=name)
    sign_in(page, site, "sales@example.test")
    page.goto(f"{site}/accounts/")
    count = page.get_by_test_id("bulk-count")
    expect(count).to_have_text("0 selected")
    expect(page.get_by_test_id("bulk-delete")).to_be_disabled()

    page.get_by_test_id("select-all").check()
    expect(count).to_have_text("3 selected")
    page.get_by_test_id("account-list").locator("tr", has_text="Cedar Ltd").get_by_test_id("select-row").uncheck()
    expect(count).to_have_text("2 selected")

    page.get_by_test_id("bulk-delete").click()
    expect(page.get_by_test_id("bulk-delete-records")).to_contain_text("Alder Ltd")
    expect(page.get_by_test_id("bulk-delete-records")).not_to_contain_text("Cedar Ltd")
    page.get_by_test_id("bulk-delete-form").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("2 deleted, 0 skipped.")).to_be_visible()
    expect(page.get_by_test_id("account-list").locator("tbody tr")).to_have_count(1)
    with in_tenant(ui_tenant):
        assert list(Account.objects.values_list("name", flat=True)) == ["Cedar Ltd"]


def test_a_filter_change_keeps_working_and_resets_the_selection(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        sales = User.objects.get(email="sales@example.test")
        for name in ("Harbor One", "Harbor Two", "Inland"):
            accounts.create_account(by=sales, name=name)
    sign_in(page, site, "sales@example.test")
    page.goto(f"{site}/accounts/")
    page.get_by_test_id("select-all").check()
    expect(page.get_by_test_id("bulk-count")).to_have_text("3 selected")
    page.get_by_placeholder("Search by name").fill("harbor")
    expect(page.get_by_test_id("account-list").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("bulk-count")).to_have_text("0 selected")
    # Ticking a row is not a filter change: the table is not fetched again.
    page.get_by_test_id("select-row").first.check()
    page.wait_for_timeout(400)
    expect(page.get_by_test_id("bulk-count")).to_have_text("1 selected")


def test_at_1366_won_and_lost_are_in_reach_and_a_card_dropped_on_won_is_won(chromium, site, ui_tenant):
    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        sales = User.objects.get(email="sales@example.test")
        pipeline = default_pipeline()
        first = pipeline.stages.order_by("position").first()
        won = pipeline.stages.get(kind="won")
        lost = pipeline.stages.get(kind="lost")
        deal = deals.create_deal(by=owner, name="Harbor Cranes", amount=5000, owner=sales)
        late = deals.create_deal(by=owner, name="Late Follow-up", amount=700)
        create_task(by=owner, title="Call back", due_date=timezone.localdate() - timedelta(days=2), deal=late)
        for n in range(6):
            deals.create_deal(by=owner, name=f"Filler {n}", amount=100 + n)
    context, page = _context_page(chromium, {"width": 1366, "height": 768})
    try:
        sign_in(page, site, "owner@example.test")
        page.goto(f"{site}/deals/")
        card = page.get_by_test_id(f"deal-{deal.pk}")
        expect(card.get_by_test_id("card-owner")).to_have_text("Sales")
        expect(card.get_by_test_id("next-activity")).to_have_text("No activity planned")
        expect(page.get_by_test_id(f"deal-{late.pk}").get_by_test_id("next-activity")).to_have_text("Overdue")

        for stage in (won, lost):
            zone = page.get_by_test_id(f"dropzone-{stage.pk}")
            box = zone.bounding_box()
            assert box is not None
            assert box["x"] >= 0 and box["x"] + box["width"] <= 1366, box
            assert box["y"] >= 0 and box["y"] + box["height"] <= 768, box
            # Nothing covers it: the point a person drops on is the zone itself.
            hit = page.evaluate(
                "([x, y]) => document.elementFromPoint(x, y).closest('[data-testid^=dropzone]')?.dataset.testid",
                [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
            )
            assert hit == f"dropzone-{stage.pk}"
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 1366
        screenshot(page, "kanban-1366")

        page.drag_and_drop(f"[data-testid=deal-{deal.pk}]", f"[data-testid=dropzone-{won.pk}]")
        expect(page.get_by_test_id(f"stage-{won.pk}")).to_contain_text("Harbor Cranes")
        expect(page.get_by_test_id(f"stage-{first.pk}")).not_to_contain_text("Harbor Cranes")
        with in_tenant(ui_tenant):
            assert Deal.objects.get(pk=deal.pk).stage_id == won.pk
        screenshot(page, "kanban-1366-won")
    finally:
        context.close()


def _no_sideways_scroll(page):
    widths = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


def test_at_phone_width_home_and_the_lists_do_not_scroll_sideways(chromium, site, ui_tenant):
    with in_tenant(ui_tenant):
        sales = User.objects.get(email="sales@example.test")
        account = accounts.create_account(
            by=sales, name="Extraordinarily Long Company Name International Holdings Ltd", industry="Manufacturing"
        )
        contacts.create_contact(
            by=sales,
            first_name="Maximiliana",
            last_name="Featherstonehaugh-Wolfeschlegel",
            email="maximiliana.featherstonehaugh@an-extremely-long-domain.example.test",
            phone="+86 138 0013 8000",
            account=account,
        )
        leads.create_lead(by=sales, first_name="Li", last_name="Wei", company="Shanghai Precision Instruments Co")
        deals.create_deal(by=sales, name="Annual maintenance contract renewal", amount=123456, account=account)
    context, page = _context_page(chromium, PHONE)
    try:
        sign_in(page, site, "sales@example.test")
        _no_sideways_scroll(page)
        screenshot(page, "phone-home")
        for path, table in (
            ("/accounts/", "account-list"),
            ("/contacts/", "contact-list"),
            ("/leads/", "lead-list"),
            ("/deals/list/", "deal-list"),
        ):
            page.goto(f"{site}{path}")
            _no_sideways_scroll(page)
            # A card per row, each value under its column's name.
            cell = page.get_by_test_id(table).locator("tbody tr").first.locator("td[data-label=Owner]")
            expect(cell).to_be_visible()
            assert cell.evaluate("td => getComputedStyle(td, '::before').content") == '"Owner"'
            assert cell.evaluate("td => getComputedStyle(td.closest('tr')).display") == "block"
            # The filters wait behind a button.
            filters = page.locator("form.filters").first
            expect(filters).to_be_hidden()
            page.get_by_test_id("filters-button").click()
            expect(filters).to_be_visible()
            _no_sideways_scroll(page)
            screenshot(page, f"phone{path.replace('/', '-').rstrip('-')}")
    finally:
        context.close()


def test_at_desktop_width_the_filters_show_without_a_button(page, site, ui_tenant):
    sign_in(page, site, "sales@example.test")
    page.goto(f"{site}/leads/")
    expect(page.get_by_test_id("lead-filters")).to_be_visible()
    expect(page.get_by_test_id("filters-button")).to_be_hidden()


def _boxes(page):
    return page.eval_on_selector_all(
        "main .card",
        "cards => cards.map(c => { const r = c.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })",
    )


def test_home_and_billing_cards_sit_on_one_16px_grid(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        accounts.create_account(by=owner, name="Grid Co")
        deals.create_deal(by=owner, name="Grid deal", amount=10)
    sign_in(page, site, "owner@example.test")
    for path, name in (("/", "home"), ("/billing/", "billing")):
        page.goto(f"{site}{path}")
        cards = _boxes(page)
        assert len(cards) >= 3, cards
        page_left = page.eval_on_selector("main h1", "h => h.getBoundingClientRect().left")
        # The first column of cards starts at the page's edge, every card there exactly.
        first_column = [c for c in cards if c[0] < page_left + 40]
        assert {round(c[0]) for c in first_column} == {round(page_left)}, (path, cards)
        for a in cards:
            for b in cards:
                if abs(b[1] - a[1]) < 40:
                    # Side by side: the same top, 16 px apart.
                    assert abs(b[1] - a[1]) < 1, (path, a, b)
                    if b[0] > a[2] and not any(a[2] <= c[0] < b[0] and abs(c[1] - a[1]) < 40 for c in cards if c != b):
                        assert round(b[0] - a[2]) == 16, (path, a, b)
                elif abs(b[0] - a[0]) < 1 and b[1] > a[3]:
                    # One under the other: 16 px apart, unless others sit between them.
                    if not any(a[3] <= c[1] < b[1] and c[0] < b[2] and c[2] > b[0] for c in cards if c != b):
                        assert round(b[1] - a[3]) == 16, (path, a, b)
        screenshot(page, f"cards-{name}")
