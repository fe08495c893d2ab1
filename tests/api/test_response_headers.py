"""Every response carries a Content-Security-Policy without inline script; API
answers and signed-in pages are never cached."""

import re

import pytest
from django.test import Client

from tests.conftest import api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db


def signed_in(tenant, local="admin"):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, local))
    return client


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def assert_not_stored(response):
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control


@pytest.mark.parametrize("url", ["/", "/accounts/", "/deals/", "/settings/users/", "/backups/", "/billing/"])
def test_signed_in_pages_are_never_stored(tenant_a, url):
    response = signed_in(tenant_a).get(url)
    assert response.status_code == 200
    assert_not_stored(response)


@pytest.mark.parametrize("url", ["/api/v1/accounts/", "/api/v1/users/", "/api/schema/?format=json"])
def test_api_answers_are_never_stored(tenant_a, url):
    response = api_client(tenant_a, user_of(tenant_a, "admin")).get(url)
    assert response.status_code == 200
    assert_not_stored(response)


def test_even_a_refused_api_call_is_not_stored(tenant_a):
    assert_not_stored(api_client(tenant_a).get("/api/v1/accounts/"))


@pytest.mark.parametrize("hostname", ["tenant", "localhost"])
def test_every_page_forbids_inline_script(tenant_a, hostname):
    client = signed_in(tenant_a) if hostname == "tenant" else Client(HTTP_HOST="localhost")
    response = client.get("/deals/" if hostname == "tenant" else "/")
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    # And the page itself has none: its scripts are files.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode()) == []
    assert "/static/crm.js" in response.content.decode()


def test_the_api_docs_page_loads_its_start_up_script_as_a_file(tenant_a):
    client = signed_in(tenant_a)
    page = client.get("/api/docs/")
    html = page.content.decode()
    assert page.status_code == 200
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    [script_url] = re.findall(r'<script src="([^"]*script=[^"]*)"', html)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
