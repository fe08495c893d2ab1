"""Record pages in the browser: two panes on a desk, one column and no sideways
scrolling on a phone, the follow-up card refreshed in place after logging a
call, a deal moved by clicking its stage path, and a merge with chosen values."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.accounts import services as accounts
from crm.activities import services as activities
from crm.contacts import services as contacts
from crm.deals import services as deals
from crm.deals.models import Deal
from crm.users.models import User
from tests.tenancy import in_tenant
from tests.ui.conftest import screenshot, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture
def records(ui_tenant):
    """An account followed up weekly, with long-named contacts, tasks, a deal and
    a timeline; everything the owner's."""
    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        account = accounts.create_account(
            by=owner,
            name="Extraordinarily Long Company Name International Holdings Ltd",
            follow_up_days=7,
            email="procurement.department.headquarters@extraordinarily-long-domain-name.example.test",
            website="https://www.extraordinarily-long-domain-name.example.test/about/us/and/more",
        )
        people = [
            contacts.create_contact(
                by=owner,
                first_name=f"Person{i}",
                last_name="Withaverylonglastname",
                email=f"person{i}.withaverylonglastname@extraordinarily-long-domain-name.example.test",
                phone="+86 138 0000 0000",
                account=account,
            )
            for i in range(7)
        ]
        deal = deals.create_deal(by=owner, name="Fleet Renewal", account=account, amount=48000, contacts=people[:2])
        for i in range(3):
            activities.create_task(by=owner, title=f"Follow-up task {i}", account=account)
        month_ago = timezone.now() - datetime.timedelta(days=30)
        activities.log_activity(by=owner, kind="meeting", subject="Kick-off", account=account, occurred_at=month_ago)
    return {"account": account, "deal": deal, "contact": people[0], "namesake": people[1]}


def _no_sideways_scroll(page):
    width = page.evaluate("document.scrollingElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url} is {width}px wide in a {inner}px window"


def test_record_pages_fit_a_phone_without_sideways_scrolling(chromium, site, records):
    # Not is_mobile: a mobile browser widens its layout viewport to fit what
    # overflows, which would hide the very overflow looked for.
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, site, "owner@example.test")
        assert page.evaluate("window.innerWidth") == 390
        account, deal, contact = records["account"], records["deal"], records["contact"]
        for name, url in (
            ("account", f"/accounts/{account.pk}/"),
            ("contact", f"/contacts/{contact.pk}/"),
            ("deal", f"/deals/{deal.pk}/"),
            ("merge", f"/contacts/{contact.pk}/merge/?q=Withaverylonglastname"),
        ):
            page.goto(f"{site}{url}")
            expect(page.get_by_test_id("history").or_(page.get_by_test_id("merge-choices"))).to_be_visible()
            _no_sideways_scroll(page)
            screenshot(page, f"record-phone-{name}")
        page.goto(f"{site}/contacts/{contact.pk}/merge/?other={records['namesake'].pk}")
        expect(page.get_by_test_id("merge-compare")).to_be_visible()
        _no_sideways_scroll(page)
        screenshot(page, "record-phone-merge-compare")
        # One column: the timeline is below the details, not beside them.
        page.goto(f"{site}/accounts/{account.pk}/")
        details = page.get_by_test_id("account-profile").bounding_box()
        timeline = page.get_by_test_id("timeline").bounding_box()
        assert timeline["y"] > details["y"] + details["height"] - 1
    finally:
        context.close()


def test_on_a_desk_the_timeline_is_a_wide_pane_beside_the_records_cards(page, site, records):
    sign_in(page, site, "owner@example.test")
    page.goto(f"{site}/accounts/{records['account'].pk}/")
    details = page.get_by_test_id("account-profile").bounding_box()
    timeline = page.get_by_test_id("timeline").bounding_box()
    assert timeline["x"] >= details["x"] + details["width"]
    assert timeline["width"] > details["width"] * 1.5
    expect(page.get_by_test_id("all-contacts")).to_have_text("View all (7)")
    screenshot(page, "record-two-panes")


def test_logging_a_call_refreshes_the_follow_up_card_without_a_reload(page, site, records):
    sign_in(page, site, "owner@example.test")
    page.goto(f"{site}/accounts/{records['account'].pk}/")
    page.evaluate("window.notReloaded = true")
    card = page.get_by_test_id("account-follow-up")
    last_contacted = card.locator("dd").nth(1).inner_text()
    next_contact = page.get_by_test_id("next-follow-up").inner_text()
    form = page.get_by_test_id("log-activity")
    form.get_by_label("Kind").select_option("call")
    form.get_by_label("Subject").fill("Called about the renewal")
    form.get_by_role("button", name="Log").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Called about the renewal")
    expect(card.locator("dd").nth(1)).not_to_have_text(last_contacted)
    expect(page.get_by_test_id("next-follow-up")).not_to_have_text(next_contact)
    assert page.evaluate("window.notReloaded") is True
    expect(page.get_by_test_id("tasks-count")).to_have_text("3")


def test_clicking_a_stage_on_the_path_moves_the_deal(page, site, records, ui_tenant):
    sign_in(page, site, "owner@example.test")
    page.goto(f"{site}/deals/{records['deal'].pk}/")
    path = page.get_by_test_id("stage-path")
    path.get_by_role("button", name="Proposal").click()
    expect(path.locator("[aria-current=step]")).to_have_text("Proposal")
    expect(path.locator("li[data-state=past]")).to_have_count(2)
    with in_tenant(ui_tenant):
        assert Deal.objects.get(pk=records["deal"].pk).stage.name == "Proposal"
    path.get_by_role("button", name="Lost").click()
    expect(page.get_by_test_id("deal-actions")).to_contain_text("Say why the deal was lost.")
    screenshot(page, "deal-stage-path")


def test_merging_two_namesakes_with_a_chosen_email(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        keep = contacts.create_contact(by=owner, first_name="伟", last_name="李", email="old@li.test")
        other = contacts.create_contact(by=owner, first_name="伟", last_name="李", email="new@li.test", phone="+86 1")
    sign_in(page, site, "owner@example.test")
    page.goto(f"{site}/contacts/{keep.pk}/merge/?q=李伟")
    row = page.get_by_test_id(f"candidate-{other.pk}")
    expect(row).to_contain_text("new@li.test")
    row.get_by_role("link", name="Choose").click()
    page.get_by_test_id("other-email").check()
    screenshot(page, "merge-compare")
    page.get_by_role("button", name="Merge").click()
    expect(page.get_by_role("heading", name=re.compile("李伟"))).to_be_visible()
    with in_tenant(ui_tenant):
        from crm.contacts.models import Contact

        merged = Contact.objects.get(pk=keep.pk)
        assert (merged.email, merged.phone) == ("new@li.test", "+86 1")
        assert not Contact.objects.filter(pk=other.pk).exists()


def test_older_activities_load_into_the_timeline_in_place(page, site, ui_tenant, records):
    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        start = timezone.now() - datetime.timedelta(days=90)
        for i in range(51):
            activities.log_activity(
                by=owner,
                kind="note",
                subject=f"Old note {i:02d}",
                account=records["account"],
                occurred_at=start + datetime.timedelta(hours=i),
            )
    sign_in(page, site, "owner@example.test")
    page.goto(f"{site}/accounts/{records['account'].pk}/")
    page.evaluate("window.notReloaded = true")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("li.activity")).to_have_count(50)
    timeline.get_by_test_id("timeline-more").click()
    expect(timeline.locator("li.activity")).to_have_count(52)
    expect(timeline.get_by_test_id("timeline-more")).to_have_count(0)
    expect(timeline).to_contain_text("Old note 00")
    assert page.evaluate("window.notReloaded") is True
