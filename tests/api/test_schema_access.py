"""A tenant's OpenAPI document names its custom objects and fields: only its
signed-in users may read it. The public host's document stays public."""

import pytest
from django.test import Client

from crm.builder import services as builder
from tests.conftest import api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret_object(tenant_a):
    with in_tenant(tenant_a):
        builder.create_object(
            by=user_of(tenant_a, "admin"), name="secret_project", label="Secret project", label_plural="Secret projects"
        )
    return "secret_project"


def test_a_tenants_schema_is_401_without_credentials(tenant_a, secret_object):
    response = api_client(tenant_a).get("/api/schema/?format=json")
    assert response.status_code == 401
    assert secret_object not in response.content.decode()


def test_a_tenants_schema_is_401_with_another_tenants_token(tenant_a, tenant_b, secret_object):
    client = api_client(tenant_b, user_of(tenant_b, "admin"))
    response = client.get("/api/schema/?format=json", HTTP_HOST=host(tenant_a))
    assert response.status_code == 401


def test_a_signed_in_user_reads_the_tenants_schema(tenant_a, secret_object):
    by_token = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/schema/?format=json")
    assert by_token.status_code == 200 and secret_object in by_token.content.decode()
    browser = Client(HTTP_HOST=host(tenant_a))
    with in_tenant(tenant_a):
        browser.force_login(user_of(tenant_a, "sales"))
    by_session = browser.get("/api/schema/?format=json")
    assert by_session.status_code == 200 and secret_object in by_session.content.decode()


def test_the_docs_page_sends_an_anonymous_browser_to_sign_in(tenant_a):
    browser = Client(HTTP_HOST=host(tenant_a))
    response = browser.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/api/docs/"
    with in_tenant(tenant_a):
        browser.force_login(user_of(tenant_a, "sales"))
    assert browser.get("/api/docs/").status_code == 200


def test_the_public_hosts_schema_and_docs_stay_public():
    assert api_client().get("/api/schema/?format=json").status_code == 200
    assert Client(HTTP_HOST="localhost").get("/api/docs/").status_code == 200
