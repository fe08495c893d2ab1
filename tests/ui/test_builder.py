"""The module builder in the browser: the admin adds a field on the Customize
page and finds it on the contact form and list, fills it in and sees the value."""

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import screenshot, sign_in

pytestmark = pytest.mark.slow


def test_admin_adds_a_field_and_uses_it_on_contacts(page, site):
    sign_in(page, site, "owner@example.test")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Customize").click()
    page.get_by_test_id("object-contacts").get_by_role("link", name="Contacts").click()
    page.get_by_role("link", name="Add a field").click()

    form = page.get_by_test_id("field-form")
    form.get_by_label("Type").select_option("choice")  # the form redraws with the choices box
    form = page.get_by_test_id("field-form")
    expect(form.get_by_label("Choices")).to_be_visible()
    form.get_by_label("Label").fill("Tier")
    form.get_by_role("button", name="Save").click()  # no choices yet: said inline, the label kept
    expect(page.locator("#id_choices-error")).to_be_visible()
    page.get_by_label("Name").fill("tier")
    page.get_by_label("Choices").fill("gold = Gold #eab308\nsilver = Silver #94a3b8")
    screenshot(page, "builder-field-form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Field Tier added.")).to_be_visible()
    expect(page.get_by_test_id("field-tier")).to_contain_text("Choice")
    screenshot(page, "builder-fields")

    page.get_by_role("navigation", name="main").get_by_role("link", name="Contacts").click()
    page.get_by_role("link", name="New contact").click()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Golden")
    page.get_by_label("Tier").select_option("gold")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Ada Golden")).to_be_visible()
    expect(page.get_by_test_id("custom-tier")).to_have_text("Gold")

    page.get_by_role("navigation", name="main").get_by_role("link", name="Contacts").click()
    table = page.get_by_test_id("contact-list")
    expect(table.locator("thead")).to_contain_text("Tier")
    expect(table.locator("tr", has_text="Ada Golden")).to_contain_text("Gold")
    screenshot(page, "builder-contact-list")

    # At phone width the fields page still offers every action.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site}/settings/customize/contacts/")
    expect(page.get_by_test_id("add-field")).to_be_visible()
    expect(page.get_by_role("link", name="Edit Tier")).to_be_attached()
    screenshot(page, "builder-fields-phone")
    page.goto(f"{site}/settings/customize/contacts/fields/new/")
    screenshot(page, "builder-field-form-phone")


def test_admin_makes_a_custom_object_and_logs_an_activity_on_a_record(page, site):
    sign_in(page, site, "owner@example.test")
    page.goto(f"{site}/settings/customize/objects/new/")
    page.fill("input[name=label]", "Boat")
    page.fill("input[name=label_plural]", "Boats")
    page.get_by_role("button", name="Save").click()

    page.get_by_role("navigation", name="main").get_by_role("link", name="Boats").click()
    page.get_by_role("link", name="New Boat").click()
    page.fill("input[name=name]", "Sea Star")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Sea Star")).to_be_visible()

    # Logged through htmx: the timeline card is swapped in place with the new activity.
    timeline = page.get_by_test_id("timeline")
    timeline.get_by_label("Subject").fill("Checked the hull")
    timeline.get_by_role("button", name="Log").click()
    expect(page.get_by_test_id("timeline").locator("ol")).to_contain_text("Checked the hull")
    expect(page.get_by_test_id("attachments")).to_be_visible()
    expect(page.get_by_test_id("history")).to_contain_text("created the record")
    screenshot(page, "builder-custom-record")
