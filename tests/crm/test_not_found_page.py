"""The 404 page: a signed-in user on their company's host stays inside the app
(sidebar and search); anyone else gets the plain page; /api/ stays JSON."""

import pytest
from django.test import Client

from tests.tenancy import host, in_tenant, user_of

pytestmark = pytest.mark.django_db


def browser(tenant, who=None):
    client = Client(HTTP_HOST=host(tenant))
    if who:
        with in_tenant(tenant):
            client.force_login(user_of(tenant, who))
    return client


def test_a_signed_in_users_404_keeps_the_apps_sidebar_and_search(tenant_a):
    response = browser(tenant_a, "sales").get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Not found" in page
    assert 'class="sidebar"' in page and 'data-testid="global-search"' in page


def test_a_signed_out_visitors_404_is_the_plain_page(tenant_a):
    response = browser(tenant_a).get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Not found" in page and 'class="sidebar"' not in page


def test_a_signed_in_users_api_404_is_still_json(tenant_a):
    response = browser(tenant_a, "sales").get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
