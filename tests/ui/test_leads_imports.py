"""What a person does in the browser with leads and imports: create a lead,
convert it and land on its account; upload a file, dry-run it, import it on the
worker and watch the progress reach the end."""

import re

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import screenshot, sign_in

pytestmark = pytest.mark.slow

LEADS_CSV = (
    b"Given name,Family name,Firm,email\n"
    b"Grace,Hopper,Cobol Systems,grace@cobol.test\n"
    b"Alan,Turing,Bletchley Works,alan@bletchley.test\n"
    b",Nameless,Nowhere Ltd,nobody@nowhere.test\n"
)


def test_creating_a_lead_and_converting_it_into_an_account(page, site):
    sign_in(page, site, "sales@example.test")
    page.get_by_role("navigation", name="main").get_by_role("link", name="Leads").click()
    page.get_by_role("link", name="New lead").click()

    page.fill("#id_email", "not-an-email")
    page.get_by_role("button", name="Save").click()  # inline: the form comes back with its errors
    expect(page.locator("#id_first_name-error")).to_be_visible()
    expect(page.locator("#id_email-error")).to_be_visible()
    page.fill("#id_first_name", "Linus")
    page.fill("#id_last_name", "Wong")
    page.fill("#id_company", "Wong Robotics")
    page.fill("#id_email", "linus@wong.test")
    page.get_by_label("Source").select_option("event")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Linus Wong")).to_be_visible()
    expect(page.get_by_test_id("history")).to_contain_text("created the lead")
    lead_url = page.url

    page.get_by_role("link", name="Convert").click()
    expect(page.get_by_test_id("duplicate-warning")).to_have_count(0)
    page.get_by_label("Also create a deal").check()
    page.fill("#id_amount", "5000")
    page.get_by_role("button", name="Convert").click()
    expect(page).to_have_url(re.compile(r"/accounts/\d+/$"))
    expect(page.get_by_role("heading", name="Wong Robotics")).to_be_visible()
    expect(page.get_by_text("Linus Wong was converted.")).to_be_visible()
    expect(page.get_by_role("link", name="Linus Wong")).to_be_visible()  # the new contact

    page.goto(lead_url)
    expect(page.get_by_test_id("lead-status")).to_have_text("Converted")
    conversion = page.get_by_test_id("conversion")
    expect(conversion.locator("a[href^='/accounts/']")).to_have_text("Wong Robotics")
    expect(conversion.locator("a[href^='/contacts/']")).to_have_text("Linus Wong")
    expect(page.get_by_role("link", name="Convert")).to_have_count(0)

    page.get_by_role("navigation", name="main").get_by_role("link", name="Leads").click()
    expect(page.get_by_test_id("lead-list")).to_contain_text("Wong Robotics")
    screenshot(page, "leads")


def test_importing_leads_with_a_dry_run_then_on_the_worker(page, site, celery_worker):
    sign_in(page, site, "sales@example.test")
    page.goto(f"{site}/leads/")
    page.get_by_role("main").get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_label("Import", exact=True)).to_have_value("leads")
    page.set_input_files("#id_file", {"name": "leads.csv", "mimeType": "text/csv", "buffer": LEADS_CSV})
    page.get_by_role("button", name="Upload").click()

    mapping = page.get_by_test_id("import-mapping")
    expect(mapping).to_contain_text("Grace")  # each column with its first value
    page.get_by_label("Given name").select_option("first_name")
    page.get_by_label("Family name").select_option("last_name")
    page.get_by_label("Firm").select_option("company")
    expect(page.get_by_label("email", exact=True)).to_have_value("email")  # named like the field: mapped already
    page.get_by_role("button", name="Dry run").click()
    results = page.get_by_test_id("import-results")
    expect(results).to_contain_text("First name: This field is required.")
    expect(page.get_by_test_id("import-counts")).to_contain_text("Would create")
    expect(page.get_by_label("Given name")).to_have_value("first_name")  # the mapping is kept
    screenshot(page, "import-dry-run")

    page.get_by_role("button", name="Import", exact=True).click()
    progress = page.get_by_test_id("import-progress")
    expect(progress).to_have_attribute("data-status", "done", timeout=30_000)
    expect(page.get_by_test_id("import-rows")).to_have_text("3 of 3 rows")
    counts = page.get_by_test_id("import-counts")
    expect(counts).to_contain_text(re.compile(r"Created\s*2"))
    expect(counts).to_contain_text(re.compile(r"Refused\s*1"))
    expect(page.get_by_test_id("error-report")).to_be_visible()
    screenshot(page, "import")

    page.get_by_role("link", name="See the leads").click()
    table = page.get_by_test_id("lead-list")
    expect(table).to_contain_text("Cobol Systems")
    expect(table).to_contain_text("Bletchley Works")
    expect(table).not_to_contain_text("Nowhere Ltd")

    page.get_by_role("navigation", name="main").get_by_role("link", name="Import").click()
    expect(page.get_by_test_id("import-list")).to_contain_text("leads.csv")
    screenshot(page, "imports")
