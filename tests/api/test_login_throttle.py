"""The sign-in lock-out counts per account (the user the e-mail matches, from any
address) and, with a higher limit, per client address as the ingress reports it;
the vendor admin's sign-in has the same lock-out."""

import itertools
import random
import uuid

import pytest
from django.test import Client

from crm.users.models import User
from tests.conftest import PASSWORD, api_client, host, in_tenant

pytestmark = pytest.mark.django_db

# Fresh addresses per run: the cache (Redis) keeps an address's failures for the
# lockout window, so a second run within it must not find them locked out already.
_run = random.randrange(1, 250)
_addresses = (f"10.{_run}.{n // 250 % 250}.{n % 250 + 1}" for n in itertools.count(1))


def fresh_user(tenant):
    with in_tenant(tenant):
        return User.objects.create_user(email=f"u{uuid.uuid4().hex[:8]}@alpha.test", password=PASSWORD)


def obtain(tenant, email, password, **extra):
    extra.setdefault("REMOTE_ADDR", next(_addresses))
    return api_client(tenant).post(
        "/api/v1/auth/token/", {"email": email, "password": password}, format="json", **extra
    )


def test_a_look_alike_spelling_of_a_locked_out_email_is_locked_out_too(tenant_a, settings):
    user = fresh_user(tenant_a)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert obtain(tenant_a, user.email, "not-the-password").status_code == 400
    # PostgreSQL matches "ſ" (long s) to "s" ignoring case: it is the same user.
    look_alike = user.email.replace(".test", ".teſt")
    assert obtain(tenant_a, look_alike, PASSWORD).status_code == 429
    assert obtain(tenant_a, user.email.upper(), PASSWORD).status_code == 429


def test_look_alike_spellings_share_one_count(tenant_a, settings):
    user = fresh_user(tenant_a)
    spellings = itertools.cycle([user.email, user.email.replace(".test", ".teſt"), user.email.upper()])
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert obtain(tenant_a, next(spellings), "not-the-password").status_code == 400
    assert obtain(tenant_a, user.email, PASSWORD).status_code == 429


def test_an_account_is_locked_out_whatever_the_address(tenant_a, settings):
    user = fresh_user(tenant_a)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert obtain(tenant_a, user.email, "not-the-password").status_code == 400  # each from a new address
    assert obtain(tenant_a, user.email, PASSWORD).status_code == 429


def test_behind_the_ingress_each_client_has_its_own_address_count(tenant_a, settings):
    settings.NUM_PROXIES = 1
    settings.LOGIN_FAILURE_LIMIT = 2  # an address may fail 20 times
    ingress = "10.200.0.1"
    attacker, bystander = next(_addresses), next(_addresses)
    for attempt in range(20):
        response = obtain(
            tenant_a,
            f"nobody{attempt}-{uuid.uuid4().hex[:6]}@alpha.test",
            "guess-guess",
            REMOTE_ADDR=ingress,
            HTTP_X_FORWARDED_FOR=attacker,
        )
        assert response.status_code == 400
    user = fresh_user(tenant_a)
    assert obtain(tenant_a, user.email, PASSWORD, REMOTE_ADDR=ingress, HTTP_X_FORWARDED_FOR=attacker).status_code == 429
    # Another client behind the same ingress signs in.
    assert (
        obtain(tenant_a, user.email, PASSWORD, REMOTE_ADDR=ingress, HTTP_X_FORWARDED_FOR=bystander).status_code == 200
    )
    # What the attacker puts in front of the header itself is not believed.
    spoofed = f"{next(_addresses)}, {attacker}"
    assert obtain(tenant_a, user.email, PASSWORD, REMOTE_ADDR=ingress, HTTP_X_FORWARDED_FOR=spoofed).status_code == 429


def test_without_proxies_the_forwarded_header_is_ignored(tenant_a, settings):
    settings.NUM_PROXIES = 0
    settings.LOGIN_FAILURE_LIMIT = 1  # an address may fail 10 times
    address = next(_addresses)
    for attempt in range(10):
        obtain(
            tenant_a,
            f"nobody{attempt}-{uuid.uuid4().hex[:6]}@alpha.test",
            "guess",
            REMOTE_ADDR=address,
            HTTP_X_FORWARDED_FOR=f"1.1.1.{attempt}",
        )
    user = fresh_user(tenant_a)
    assert (
        obtain(tenant_a, user.email, PASSWORD, REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR="1.1.1.99").status_code == 429
    )


def test_the_login_page_uses_the_same_account_count(tenant_a, settings):
    user = fresh_user(tenant_a)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        obtain(tenant_a, user.email, "not-the-password")
    browser = Client(HTTP_HOST=host(tenant_a), REMOTE_ADDR=next(_addresses))
    response = browser.post("/login/", {"email": user.email.replace(".test", ".teſt"), "password": PASSWORD})
    assert response.status_code == 429


def test_the_vendor_admin_sign_in_is_locked_out_after_repeated_failures(settings):
    User.objects.create_superuser(email=f"staff{uuid.uuid4().hex[:6]}@vendor.test", password=PASSWORD)
    staff = User.objects.latest("pk")
    browser = Client(HTTP_HOST="localhost", REMOTE_ADDR=next(_addresses))
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = browser.post("/admin/login/", {"username": staff.email, "password": "not-the-password"})
        assert response.status_code == 200 and "correct" in response.content.decode()
    response = browser.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert "Too many failed sign-ins" in response.content.decode()
    assert browser.get("/admin/").status_code == 302  # not signed in


def test_the_vendor_admin_still_signs_in_with_the_right_password():
    User.objects.create_superuser(email=f"staff{uuid.uuid4().hex[:6]}@vendor.test", password=PASSWORD)
    staff = User.objects.latest("pk")
    browser = Client(HTTP_HOST="localhost", REMOTE_ADDR=next(_addresses))
    response = browser.post("/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert browser.get("/admin/").status_code == 200
