"""An API token must not outlive the password that earned it, nor a deactivation."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from crm.users.models import ApiToken
from tests.conftest import PASSWORD, api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase"


def test_admin_setting_a_users_password_ends_that_users_tokens(tenant_a):
    sales = user_of(tenant_a, "sales")
    their_api = api_client(tenant_a, sales)
    assert their_api.get("/api/v1/accounts/").status_code == 200
    admin_api = api_client(tenant_a, user_of(tenant_a, "admin"))
    response = admin_api.patch(f"/api/v1/users/{sales.pk}/", {"password": NEW_PASSWORD}, format="json")
    assert response.status_code == 200
    assert their_api.get("/api/v1/accounts/").status_code == 401
    with in_tenant(tenant_a):
        assert not ApiToken.objects.filter(user=sales).exists()
    # The new password earns a new token.
    assert (
        api_client(tenant_a)
        .post("/api/v1/auth/token/", {"email": sales.email, "password": NEW_PASSWORD}, format="json")
        .status_code
        == 200
    )


def test_a_user_changing_their_own_password_ends_their_other_tokens(tenant_a):
    admin = user_of(tenant_a, "admin")
    laptop, phone = api_client(tenant_a, admin), api_client(tenant_a, admin)
    response = laptop.patch(f"/api/v1/users/{admin.pk}/", {"password": NEW_PASSWORD}, format="json")
    assert response.status_code == 200
    assert phone.get("/api/v1/accounts/").status_code == 401
    assert laptop.get("/api/v1/accounts/").status_code == 401


def test_a_weak_password_is_refused_and_keeps_the_tokens(tenant_a):
    sales = user_of(tenant_a, "sales")
    their_api = api_client(tenant_a, sales)
    admin_api = api_client(tenant_a, user_of(tenant_a, "admin"))
    response = admin_api.patch(f"/api/v1/users/{sales.pk}/", {"password": "123"}, format="json")
    assert response.status_code == 400 and "password" in response.json()
    assert their_api.get("/api/v1/accounts/").status_code == 200


def test_choosing_a_password_through_the_emailed_link_ends_the_users_tokens(tenant_a):
    sales = user_of(tenant_a, "sales2")
    their_api = api_client(tenant_a, sales)
    with in_tenant(tenant_a):
        link = f"/invite/{urlsafe_base64_encode(force_bytes(sales.pk))}/{default_token_generator.make_token(sales)}/"
    browser = Client(HTTP_HOST=host(tenant_a))
    form_url = browser.get(link)["Location"]
    response = browser.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert their_api.get("/api/v1/accounts/").status_code == 401
    with in_tenant(tenant_a):
        sales.refresh_from_db()
        assert sales.check_password(NEW_PASSWORD)


def test_deactivating_a_user_ends_their_tokens_for_good(tenant_a):
    sales = user_of(tenant_a, "sales2")
    their_api = api_client(tenant_a, sales)
    admin_api = api_client(tenant_a, user_of(tenant_a, "admin"))
    assert admin_api.patch(f"/api/v1/users/{sales.pk}/", {"is_active": False}, format="json").status_code == 200
    assert admin_api.patch(f"/api/v1/users/{sales.pk}/", {"is_active": True}, format="json").status_code == 200
    assert their_api.get("/api/v1/accounts/").status_code == 401
    with in_tenant(tenant_a):
        assert not ApiToken.objects.filter(user=sales).exists()


def test_deactivating_in_the_settings_page_ends_the_tokens_too(tenant_a):
    sales = user_of(tenant_a, "sales2")
    their_api = api_client(tenant_a, sales)
    browser = Client(HTTP_HOST=host(tenant_a))
    with in_tenant(tenant_a):
        browser.force_login(user_of(tenant_a, "admin"))
    browser.post(f"/settings/users/{sales.pk}/active/", {"is_active": "0"})
    browser.post(f"/settings/users/{sales.pk}/active/", {"is_active": "1"})
    with in_tenant(tenant_a):
        sales.refresh_from_db()
    assert sales.is_active
    assert their_api.get("/api/v1/accounts/").status_code == 401


def test_a_user_changing_their_own_password_on_the_page_ends_their_tokens_but_not_this_session(tenant_a):
    sales = user_of(tenant_a, "sales")
    their_api = api_client(tenant_a, sales)
    browser = Client(HTTP_HOST=host(tenant_a))
    with in_tenant(tenant_a):
        browser.force_login(sales)
    assert 'href="/password/"' in browser.get("/").content.decode()
    wrong = browser.post(
        "/password/", {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert wrong.status_code == 400
    assert their_api.get("/api/v1/accounts/").status_code == 200
    response = browser.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password is changed" in response.content.decode()
    assert their_api.get("/api/v1/accounts/").status_code == 401
    assert browser.get("/accounts/").status_code == 200  # still signed in here
    with in_tenant(tenant_a):
        sales.refresh_from_db()
        assert sales.check_password(NEW_PASSWORD)


def test_the_password_page_speaks_chinese(tenant_a):
    browser = Client(HTTP_HOST=host(tenant_a), HTTP_ACCEPT_LANGUAGE="zh-hans")
    with in_tenant(tenant_a):
        browser.force_login(user_of(tenant_a, "sales"))
    assert "修改密码" in browser.get("/password/").content.decode()
