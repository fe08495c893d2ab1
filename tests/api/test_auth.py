import hashlib

import pytest
from django.test import Client

from crm.users.models import ApiToken
from tests.tenancy import PASSWORD, api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db


def obtain(client, email, password):
    return client.post("/api/v1/auth/token/", {"email": email, "password": password}, format="json")


def test_token_for_right_credentials_opens_the_api(tenant_a):
    client = api_client(tenant_a)
    response = obtain(client, "sales@alpha.test", PASSWORD)
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    assert client.get("/api/v1/accounts/").status_code == 200


def test_email_is_matched_ignoring_case(tenant_a):
    assert obtain(api_client(tenant_a), "SALES@Alpha.Test", PASSWORD).status_code == 200


def test_wrong_password_is_400_and_issues_nothing(tenant_a):
    with in_tenant(tenant_a):
        before = ApiToken.objects.count()
    response = obtain(api_client(tenant_a), "sales@alpha.test", "wrong-password-here")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Wrong e-mail or password."]}
    with in_tenant(tenant_a):
        assert ApiToken.objects.count() == before


def test_only_a_hash_of_the_token_is_stored(tenant_a):
    raw = obtain(api_client(tenant_a), "sales@alpha.test", PASSWORD).json()["token"]
    with in_tenant(tenant_a):
        stored = ApiToken.objects.latest("created_at")
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in (stored.digest, stored.prefix)


def test_no_token_is_401_with_a_bearer_challenge(tenant_a):
    response = api_client(tenant_a).get("/api/v1/accounts/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer", "Bearer crm_made_up_token", "Bearer a b", "Bearer \u00e9\u00e9"])
def test_bad_tokens_are_401(tenant_a, header):
    response = api_client(tenant_a).get("/api/v1/accounts/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_revoked_token_no_longer_works(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert client.get("/api/v1/accounts/").status_code == 401


def test_deactivated_users_token_no_longer_works(tenant_a):
    user = user_of(tenant_a, "sales2")
    client = api_client(tenant_a, user)
    with in_tenant(tenant_a):
        user.is_active = False
        user.save()
    assert client.get("/api/v1/accounts/").status_code == 401


def test_repeated_failed_sign_ins_lock_out_even_the_right_password(tenant_a, settings):
    client = api_client(tenant_a)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert obtain(client, "manager@alpha.test", "not-the-password").status_code == 400
    locked = obtain(client, "manager@alpha.test", PASSWORD)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    # Another person of the same company is not locked out by it.
    assert obtain(client, "director@alpha.test", PASSWORD).status_code == 200


def test_login_page_signs_in_and_out(tenant_a):
    browser = Client(HTTP_HOST=host(tenant_a))
    assert browser.get("/").status_code == 302
    page = browser.get("/login/")
    assert page.status_code == 200 and b"Sign in" in page.content
    assert browser.post("/login/", {"email": "director@alpha.test", "password": PASSWORD}).status_code == 302
    home = browser.get("/")
    assert home.status_code == 200 and b"director" in home.content
    browser.post("/logout/")
    assert browser.get("/").status_code == 302


def test_login_page_rejects_wrong_password_with_a_message(tenant_a):
    response = Client(HTTP_HOST=host(tenant_a)).post(
        "/login/", {"email": "director@alpha.test", "password": "nope-nope-nope"}
    )
    assert response.status_code == 400
    assert b"Wrong e-mail or password." in response.content


def test_login_page_is_throttled_too(tenant_a, settings):
    browser = Client(HTTP_HOST=host(tenant_a))
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        browser.post("/login/", {"email": "sales2@alpha.test", "password": "nope-nope-nope"})
    response = browser.post("/login/", {"email": "sales2@alpha.test", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content


def test_login_page_speaks_chinese_when_asked(tenant_a):
    response = Client(HTTP_HOST=host(tenant_a), HTTP_ACCEPT_LANGUAGE="zh-hans").get("/login/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'lang="zh-hans"' in page
    assert "登录" in page and "密码" in page


def test_one_address_trying_many_emails_is_locked_out(tenant_b, settings):
    settings.LOGIN_FAILURE_LIMIT = 2  # the address may then fail 20 times
    client = api_client(tenant_b)
    for attempt in range(20):
        assert obtain(client, f"nobody{attempt}@beta.test", "guess-guess-guess").status_code == 400
    assert obtain(client, "director@beta.test", PASSWORD).status_code == 429
    # Another address is unaffected.
    response = api_client(tenant_b).post(
        "/api/v1/auth/token/",
        {"email": "director@beta.test", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 200


def test_passwords_are_stored_as_argon2id(tenant_a):
    with in_tenant(tenant_a):
        stored = user_of(tenant_a, "sales").password
    assert stored.startswith("argon2$argon2id$")
    assert PASSWORD not in stored
