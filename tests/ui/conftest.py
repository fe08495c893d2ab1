"""Browser tests: Debian's chromium driven by Playwright against pytest-django's
live server, on a tenant signed up (and committed) for each test.

Why not the `live_server` fixture itself: pytest-django makes every test that
uses it also use `transactional_db`, whose flush at teardown would empty the
public schema (the session's tenants with it). So the same LiveServer runs from
a session fixture here, and the data comes from `committed_db`.

Chromium resolves every `*.localhost` name to the loopback address, so
`http://<subdomain>.localhost:<port>/` reaches the live server with the tenant's
Host header, as a person's browser reaches `make run`.
"""

import os
from pathlib import Path

import pytest
from django.db import connections
from pytest_django.live_server_helper import LiveServer

from crm.users.models import Role, User
from tests.tenancy import PASSWORD, in_tenant, sign_up

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / ".run" / "ui-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def ui_server(django_db_setup):
    # The browser keeps connections alive between requests; a server thread
    # must not keep a database session open with them, or the test database
    # cannot be dropped at the end of the run.
    db_settings = connections["default"].settings_dict
    saved = db_settings["CONN_MAX_AGE"]
    db_settings["CONN_MAX_AGE"] = 0
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()
    db_settings["CONN_MAX_AGE"] = saved


@pytest.fixture(scope="session")
def chromium(ui_server):
    """The browser; it closes before the server stops."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make ensure-chromium`")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop on this thread, which makes
    # Django think the test's own ORM calls run in async code; they do not.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def ui_tenant(committed_db):
    """A fresh company with an admin (owner@example.test) and two sales users."""
    tenant = sign_up(company="Browser Test Co")
    committed_db.append(tenant)
    with in_tenant(tenant):
        for local in ("sales", "sales2"):
            User.objects.create_user(
                email=f"{local}@example.test", password=PASSWORD, role=Role.SALES, name=local.capitalize()
            )
    return tenant


@pytest.fixture
def site(ui_server, ui_tenant):
    """The tenant's address in the browser."""
    return f"http://{ui_tenant.subdomain}.localhost:{ui_server.thread.port}"


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, site, email, password=PASSWORD):
    page.goto(f"{site}/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site}/")


def screenshot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
