"""Sign-up signs the owner in on the new CRM's host through a single-use,
short-lived link; a replayed, expired or foreign link leads to the sign-in page."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from crm.users.models import User
from tenants import services
from tests.tenancy import host, in_tenant, sign_up, unique_subdomain

pytestmark = pytest.mark.django_db


def _signup_page(subdomain):
    return Client(HTTP_HOST="localhost").post(
        "/signup/",
        {
            "company": "Acme Ltd",
            "subdomain": subdomain,
            "email": "boss@acme.test",
            "password": "a-strong-passphrase",
            "seats": 3,
            "interval": "month",
        },
    )


def test_signup_page_signs_the_owner_in_on_the_new_crm_and_lands_on_home(spare_pool):
    subdomain = unique_subdomain("wel")
    response = _signup_page(subdomain)
    location = urlsplit(response["Location"])
    assert location.netloc == f"{subdomain}.localhost"

    browser = Client(HTTP_HOST=location.netloc)
    landed = browser.get(location.path, follow=True)

    assert landed.redirect_chain[-1][0] == "/"
    assert landed.status_code == 200
    assert landed.wsgi_request.user.email == "boss@acme.test"
    assert "Welcome! Your CRM is ready." in landed.content.decode()


def test_a_welcome_link_works_once(spare_pool):
    tenant = sign_up()
    token = services.welcome_token(tenant=tenant)
    assert Client(HTTP_HOST=host(tenant)).get(f"/welcome/{token}/")["Location"] == "/"

    replay = Client(HTTP_HOST=host(tenant)).get(f"/welcome/{token}/", follow=True)

    assert replay.redirect_chain[-1][0] == "/login/"
    assert not replay.wsgi_request.user.is_authenticated
    assert "expired or was already used" in replay.content.decode()


def test_an_expired_welcome_link_is_refused(spare_pool, settings):
    tenant = sign_up()
    token = services.welcome_token(tenant=tenant)
    settings.WELCOME_TOKEN_SECONDS = -1

    response = Client(HTTP_HOST=host(tenant)).get(f"/welcome/{token}/")

    assert response.status_code == 302 and response["Location"] == "/login/"


def test_a_welcome_link_of_one_tenant_does_not_sign_in_on_another(spare_pool):
    tenant_a, tenant_b = sign_up(), sign_up()
    token_of_a = services.welcome_token(tenant=tenant_a)

    response = Client(HTTP_HOST=host(tenant_b)).get(f"/welcome/{token_of_a}/", follow=True)

    assert response.redirect_chain[-1][0] == "/login/"
    assert not response.wsgi_request.user.is_authenticated
    with in_tenant(tenant_a):
        assert User.objects.get().last_login is None  # tenant A's link is still unused


def test_a_tampered_welcome_link_is_refused_without_error(spare_pool):
    tenant = sign_up()
    response = Client(HTTP_HOST=host(tenant)).get("/welcome/not-a-token/")
    assert response.status_code == 302 and response["Location"] == "/login/"


def test_forgot_password_is_reachable_signed_out_on_a_tenant_host(tenant_a):
    page = Client(HTTP_HOST=host(tenant_a)).get("/password/reset/")
    assert page.status_code == 200
    assert 'name="email"' in page.content.decode()


def test_forgot_password_stays_reachable_when_the_tenant_is_suspended(spare_pool):
    tenant = sign_up()
    tenant.status = tenant.Status.SUSPENDED
    tenant.save()
    client = Client(HTTP_HOST=host(tenant))

    assert client.get("/password/reset/").status_code == 200
    assert client.post("/password/reset/", {"email": "owner@example.test"}).status_code in (200, 302)
    assert client.get("/accounts/").status_code == 402
