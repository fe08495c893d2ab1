"""The main pages in Simplified Chinese, at desktop (1,366 px) and phone
(390 px) width, as a company in Shanghai uses them: each page answers, reads
in Chinese (its heading and the sidebar), and at phone width nothing scrolls
sideways. Screenshots go to .run/ui-artifacts/zh-hans/ for a person to look at."""

import re
from decimal import Decimal

import pytest

from crm.accounts.services import create_account
from crm.activities.services import log_activity
from crm.contacts.services import create_contact
from crm.deals.models import Pipeline
from crm.deals.services import create_deal
from crm.users.models import User
from tests.tenancy import in_tenant, sign_up
from tests.ui.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.slow

CJK = re.compile(r"[\u4e00-\u9fff]")
WIDTHS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def shanghai_company(committed_db, ui_server):
    """A company that signed up in Chinese (so Asia/Shanghai, CNY, Chinese stages): an
    account 上海星辰科技, its contact 李伟, a deal and a logged call. Returns its site and ids."""
    tenant = sign_up(company="上海星辰科技", language="zh-hans")
    committed_db.append(tenant)
    with in_tenant(tenant):
        admin = User.objects.get(email=tenant.owner_email)
        admin.name, admin.language = "王芳", "zh-hans"
        admin.save(update_fields=["name", "language"])
        account = create_account(by=admin, name="上海星辰科技有限公司")
        contact = create_contact(
            by=admin, first_name="伟", last_name="李", account=account, phone="+86 138 0013 8000", email="li@xc.cn"
        )
        stage = Pipeline.objects.get(is_default=True).stages.order_by("position").first()
        deal = create_deal(by=admin, name="年度服务合同", account=account, amount=Decimal("74800"), stage=stage)
        log_activity(by=admin, kind="call", subject="电话沟通报价", account=account, contact=contact, deal=deal)
    site = f"http://{tenant.subdomain}.localhost:{ui_server.thread.port}"
    return {"site": site, "email": tenant.owner_email, "account": account.pk, "contact": contact.pk, "deal": deal.pk}


def _pages(ids):
    return {
        "home": "/",
        "accounts": "/accounts/",
        "account": f"/accounts/{ids['account']}/",
        "contacts": "/contacts/",
        "contact": f"/contacts/{ids['contact']}/",
        "deals-board": "/deals/",
        "deals-list": "/deals/list/",
        "deal": f"/deals/{ids['deal']}/",
        "leads": "/leads/",
        "tasks": "/tasks/",
        "imports": "/imports/",
        "search": "/search/?q=李伟",
        "profile": "/me/",
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_the_main_pages_read_in_chinese_and_fit_the_screen(chromium, shanghai_company, width):
    site = shanghai_company["site"]
    context = chromium.new_context(viewport=WIDTHS[width], locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    folder = ARTIFACTS / "zh-hans"
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    try:
        sign_in(page, site, shanghai_company["email"])
        for name, path in _pages(shanghai_company).items():
            response = page.goto(f"{site}{path}")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
            if response is None or response.status != 200:
                problems.append(f"{name}: answered {response and response.status}")
                continue
            if page.get_attribute("html", "lang") != "zh-hans":
                problems.append(f"{name}: html lang is {page.get_attribute('html', 'lang')!r}")
            heading = page.locator("h1").first.inner_text() if page.locator("h1").count() else ""
            if not CJK.search(heading):
                problems.append(f"{name}: heading {heading!r} is not in Chinese")
            overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems.append(f"{name}: scrolls sideways by {overflow}px at {WIDTHS[width]['width']}px")
        # The sidebar's labels are Chinese too (at phone width it is folded behind its button),
        # and so are the stages the company started with.
        nav = page.locator("nav").first.text_content()
        assert "客户" in nav and "Accounts" not in nav
        page.goto(f"{site}/deals/{shanghai_company['deal']}/")
        assert "初步接洽" in page.content() or CJK.search(page.locator(".stagepath").first.text_content())
    finally:
        context.close()
    assert not problems, "\n".join(problems)
