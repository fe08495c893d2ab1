import pytest
from django.core.cache import cache
from django.test import Client

from crm.accounts.models import Account
from crm.accounts.services import create_account
from crm.contacts.services import create_contact
from tests.tenancy import PASSWORD, api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db


def test_token_of_one_tenant_is_401_on_another_tenants_host(tenant_a, tenant_b):
    client = api_client(tenant_a, user_of(tenant_a, "admin"))
    assert client.get("/api/v1/accounts/").status_code == 200
    response = client.get("/api/v1/accounts/", HTTP_HOST=host(tenant_b))
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked token."}


def test_record_id_of_one_tenant_is_404_on_another_tenants_host(tenant_a, tenant_b):
    with in_tenant(tenant_a):
        account = create_account(by=user_of(tenant_a, "admin"), name="Alpha only")
    client_b = api_client(tenant_b, user_of(tenant_b, "admin"))
    assert client_b.get(f"/api/v1/accounts/{account.pk}/").status_code == 404
    assert client_b.patch(f"/api/v1/accounts/{account.pk}/", {"name": "stolen"}, format="json").status_code == 404
    assert client_b.delete(f"/api/v1/accounts/{account.pk}/").status_code == 404
    with in_tenant(tenant_a):
        assert Account.objects.get(pk=account.pk).name == "Alpha only"


def test_a_tenants_lists_never_show_another_tenants_rows(tenant_a, tenant_b):
    with in_tenant(tenant_a):
        admin_a = user_of(tenant_a, "admin")
        create_account(by=admin_a, name="Alpha Corp")
        create_contact(by=admin_a, first_name="Alice", email="alice@alpha.test")
    with in_tenant(tenant_b):
        create_account(by=user_of(tenant_b, "admin"), name="Beta Corp")

    client_b = api_client(tenant_b, user_of(tenant_b, "admin"))
    names = [row["name"] for row in client_b.get("/api/v1/accounts/?page_size=200").json()["results"]]
    assert "Beta Corp" in names and "Alpha Corp" not in names
    assert client_b.get("/api/v1/accounts/?search=Alpha").json()["count"] == 0
    assert client_b.get("/api/v1/contacts/?search=alice").json()["count"] == 0


def test_a_contact_cannot_link_to_another_tenants_account(tenant_a, tenant_b):
    with in_tenant(tenant_a):
        account = create_account(by=user_of(tenant_a, "admin"), name="Alpha Corp")
    client_b = api_client(tenant_b, user_of(tenant_b, "admin"))
    response = client_b.post("/api/v1/contacts/", {"first_name": "Eve", "account": account.pk}, format="json")
    assert response.status_code == 400
    assert "account" in response.json()


@pytest.mark.parametrize("unknown", ["nosuchtenant.localhost", "a.b.localhost", "evil.example.com", "localhost.evil"])
def test_unknown_host_is_404(unknown, tenant_a):
    response = Client(HTTP_HOST=unknown).get("/api/v1/accounts/")
    assert response.status_code == 404


def test_session_of_one_tenant_is_not_signed_in_on_another(tenant_a, tenant_b):
    browser = Client(HTTP_HOST=host(tenant_a))
    login = browser.post("/login/", {"email": "admin@alpha.test", "password": PASSWORD})
    assert login.status_code == 302
    assert browser.get("/").status_code == 200
    # Same cookie jar, other tenant's host: its session table has no such session.
    response = browser.get("/", HTTP_HOST=host(tenant_b))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_cache_key_of_one_tenant_is_never_read_by_another(tenant_a, tenant_b):
    with in_tenant(tenant_a):
        cache.set("greeting", "hello from alpha", timeout=30)
        assert cache.get("greeting") == "hello from alpha"
    with in_tenant(tenant_b):
        assert cache.get("greeting") is None
        cache.set("greeting", "hello from beta", timeout=30)
    with in_tenant(tenant_a):
        assert cache.get("greeting") == "hello from alpha"
        cache.delete("greeting")
    with in_tenant(tenant_b):
        cache.delete("greeting")
