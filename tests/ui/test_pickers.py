"""Typeahead pickers in the browser: on a new deal, type part of a name, choose
with the keyboard or the mouse, remove a chosen contact again, and save; the
picker offers only the user's own records."""

import re

import pytest
from playwright.sync_api import expect

from crm.accounts import services as accounts
from crm.contacts import services as contacts
from crm.deals.models import Deal
from crm.users.models import User
from tests.tenancy import in_tenant
from tests.ui.conftest import screenshot, sign_in

pytestmark = pytest.mark.slow


def test_choosing_an_account_and_contacts_in_the_deal_form_by_typing(page, site, ui_tenant):
    with in_tenant(ui_tenant):
        owner = User.objects.get(email="owner@example.test")
        sales, sales2 = (User.objects.get(email=f"{local}@example.test") for local in ("sales", "sales2"))
        harbour = accounts.create_account(by=owner, name="Harbour Trading", owner=sales, region="Shanghai")
        accounts.create_account(by=owner, name="Harbour Elsewhere", owner=sales2)
        hana = contacts.create_contact(by=owner, first_name="Hana", last_name="Harbour", account=harbour, owner=sales)
        wei = contacts.create_contact(by=owner, first_name="伟", last_name="李", owner=sales)
        contacts.create_contact(by=owner, first_name="Hana", last_name="Hidden", owner=sales2)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    sign_in(page, site, "sales@example.test")
    page.goto(f"{site}/deals/new/")
    page.get_by_label("Name").fill("Harbour cranes")

    account = page.get_by_role("combobox", name="Account")
    account.press_sequentially("harb")
    matches = page.locator("#id_account-matches")
    expect(matches.get_by_role("option")).to_have_count(1)  # not the colleague's Harbour Elsewhere
    expect(matches.get_by_role("option")).to_contain_text("Harbour Trading")
    expect(matches.get_by_role("option")).to_contain_text("Shanghai")
    screenshot(page, "deal-form-picker-open")
    account.press("ArrowDown")
    account.press("Enter")  # chooses; does not submit the form
    expect(account).to_have_value("Harbour Trading")
    expect(matches).to_be_hidden()

    people = page.get_by_role("combobox", name="Contacts")
    people.press_sequentially("hana")
    options = page.locator("#id_contacts-matches").get_by_role("option")
    expect(options).to_have_count(1)  # not the colleague's Hana Hidden
    options.first.click()
    people.press_sequentially("伟李")  # a Chinese name typed in the other order
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("李伟")
    people.press("ArrowDown")
    people.press("Enter")
    chosen = page.locator("[data-picker-chosen]")
    expect(chosen).to_contain_text("Hana Harbour")
    expect(chosen).to_contain_text("李伟")
    screenshot(page, "deal-form-pickers")
    chosen.get_by_role("button", name="Remove Hana Harbour").click()
    expect(chosen).not_to_contain_text("Hana Harbour")

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=re.compile("Harbour cranes"))).to_be_visible()
    with in_tenant(ui_tenant):
        deal = Deal.objects.get(name="Harbour cranes")
        assert deal.account == harbour
        assert list(deal.contacts.all()) == [wei]
        assert hana not in deal.contacts.all()

    # Editing shows what is chosen by name, without listing anything.
    page.goto(f"{site}/deals/{deal.pk}/edit/")
    expect(page.get_by_role("combobox", name="Account")).to_have_value("Harbour Trading")
    expect(page.locator("[data-picker-chosen]")).to_contain_text("李伟")
    assert not [text for text in problems if "Content Security Policy" in text or "Refused" in text]
