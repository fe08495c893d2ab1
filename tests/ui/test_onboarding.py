"""In the browser: a company in Shanghai signs up (offered yuan plans), lands signed
in on its CRM's Home with the checklist, loads sample data and removes it."""

from tenants.models import Tenant
from tests.tenancy import unique_subdomain
from tests.ui.conftest import screenshot


def test_sign_up_from_shanghai_lands_signed_in_on_the_checklist(chromium, ui_server, committed_db):
    context = chromium.new_context(viewport={"width": 1280, "height": 860}, locale="en-US", timezone_id="Asia/Shanghai")
    context.set_default_timeout(20_000)
    page = context.new_page()
    port = ui_server.thread.port
    subdomain = unique_subdomain("ui")
    try:
        page.goto(f"http://localhost:{port}/signup/")
        # The browser's zone picks yuan; only the yuan plans are offered.
        assert page.input_value("select[name=currency]") == "cny"
        assert page.input_value("select[name=plan]") == "standard-cny"
        assert page.locator("select[name=plan] option[value=professional]").is_hidden()
        page.select_option("select[name=plan]", "professional-cny")
        page.fill("input[name=company]", "Shanghai Browser Co")
        page.fill("input[name=subdomain]", subdomain)
        page.fill("input[name=email]", "boss@sh.test")
        page.fill("input[name=password]", "a-strong-passphrase")
        page.click("button[type=submit]")

        page.wait_for_url(f"http://{subdomain}.localhost:{port}/")
        tenant = Tenant.objects.get(subdomain=subdomain)
        committed_db.append(tenant)
        assert (tenant.currency, tenant.plan, tenant.time_zone) == ("cny", "professional-cny", "Asia/Shanghai")
        checklist = page.get_by_test_id("onboarding-checklist")
        assert "0 of 4 done" in checklist.inner_text()
        screenshot(page, "onboarding-checklist")

        page.get_by_test_id("sample-load").click()
        page.wait_for_url(f"http://{subdomain}.localhost:{port}/")
        assert "Sample data loaded: 20 records" in page.content()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_test_id("sample-remove").click()
        page.wait_for_url(f"http://{subdomain}.localhost:{port}/")
        assert "Sample data removed: 20 records." in page.content()

        page.get_by_test_id("onboarding-dismiss").click()
        page.wait_for_url(f"http://{subdomain}.localhost:{port}/")
        assert page.get_by_test_id("onboarding-checklist").count() == 0
    finally:
        context.close()
