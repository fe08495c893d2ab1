import json
import threading

import pytest
from django.db import connection
from django.test import Client

from crm.users.models import Role, User
from tenants.models import Domain, Tenant
from tests.tenancy import api_client, in_tenant, unique_subdomain

pytestmark = pytest.mark.django_db


def signup_payload(**overrides):
    payload = {
        "company": "Acme Ltd",
        "subdomain": unique_subdomain("acme"),
        "email": "boss@acme.test",
        "password": "a-strong-passphrase",
        "seats": 3,
        "interval": "month",
    }
    payload.update(overrides)
    return payload


def post_signup(payload):
    return api_client().post("/api/v1/signup/", payload, format="json")


def test_signup_answers_201_and_the_tenant_works_at_once(spare_pool):
    payload = signup_payload()
    response = post_signup(payload)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["subdomain"] == payload["subdomain"]
    assert body["url"] == f"http://{payload['subdomain']}.localhost/"
    assert body["trial_ends_at"]

    tenant_host = f"{payload['subdomain']}.localhost"
    client = api_client()
    token = client.post(
        "/api/v1/auth/token/",
        {"email": "boss@acme.test", "password": "a-strong-passphrase"},
        format="json",
        HTTP_HOST=tenant_host,
    )
    assert token.status_code == 200, token.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")
    contact = client.post("/api/v1/contacts/", {"first_name": "Ann"}, format="json", HTTP_HOST=tenant_host)
    assert contact.status_code == 201
    assert client.get("/api/v1/contacts/", HTTP_HOST=tenant_host).json()["count"] == 1


def test_signup_user_is_the_tenants_admin(spare_pool):
    payload = signup_payload()
    assert post_signup(payload).status_code == 201
    tenant = Tenant.objects.get(subdomain=payload["subdomain"])
    with in_tenant(tenant):
        owner = User.objects.get()
    assert owner.email == "boss@acme.test"
    assert owner.role == Role.ADMIN
    assert tenant.seats == 3 and tenant.billing_interval == "month"


def test_signup_page_creates_a_tenant_and_sends_the_user_to_its_welcome_link(spare_pool):
    payload = signup_payload(interval="year")
    response = Client(HTTP_HOST="localhost").post("/signup/", payload)
    assert response.status_code == 302
    assert response["Location"].startswith(f"http://{payload['subdomain']}.localhost/welcome/")
    assert Tenant.objects.filter(subdomain=payload["subdomain"], billing_interval="year").exists()


def test_signup_page_shows_field_errors_and_creates_nothing(spare_pool):
    payload = signup_payload(subdomain="www")
    response = Client(HTTP_HOST="localhost").post("/signup/", payload)
    assert response.status_code == 400
    assert "This subdomain is reserved." in response.content.decode()
    assert not Tenant.objects.filter(subdomain="www").exists()


def test_taken_subdomain_is_400(spare_pool, tenant_a):
    response = post_signup(signup_payload(subdomain=tenant_a.subdomain))
    assert response.status_code == 400
    assert response.json() == {"subdomain": ["This subdomain is already taken."]}


def test_taken_subdomain_is_400_whatever_its_case(spare_pool, tenant_a):
    response = post_signup(signup_payload(subdomain=tenant_a.subdomain.upper()))
    assert response.status_code == 400
    assert "subdomain" in response.json()


@pytest.mark.parametrize("reserved", ["www", "api", "admin", "public", "static", "media", "mail"])
def test_reserved_subdomain_is_400(reserved):
    response = post_signup(signup_payload(subdomain=reserved))
    assert response.status_code == 400
    assert response.json() == {"subdomain": ["This subdomain is reserved."]}
    assert not Tenant.objects.filter(subdomain=reserved).exists()


@pytest.mark.parametrize("label", ["-acme", "acme-", "ac_me", "ac.me", "a" * 64, "ä-co", "ac me", ""])
def test_subdomain_that_is_not_a_dns_label_is_400(label):
    response = post_signup(signup_payload(subdomain=label))
    assert response.status_code == 400
    assert "subdomain" in response.json()
    assert Tenant.objects.count() == Tenant.objects.exclude(subdomain=label).count()


@pytest.mark.parametrize("password", ["short", "password1234", "12345678901234", "boss@acme.test"])
def test_weak_password_is_400(password):
    response = post_signup(signup_payload(password=password))
    assert response.status_code == 400
    assert "password" in response.json()


def test_an_email_that_already_owns_a_tenant_may_sign_up_again(spare_pool):
    first = post_signup(signup_payload(email="serial@founder.test"))
    second = post_signup(signup_payload(email="serial@founder.test"))
    assert (first.status_code, second.status_code) == (201, 201)
    assert Tenant.objects.filter(owner_email="serial@founder.test").count() == 2


@pytest.mark.parametrize("seats", [0, -1, "three", None, 2.5])
def test_seats_below_one_or_not_a_number_is_400(seats):
    response = post_signup(signup_payload(seats=seats))
    assert response.status_code == 400
    assert "seats" in response.json()


@pytest.mark.parametrize("interval", ["week", "", "MONTH", 12])
def test_interval_other_than_month_or_year_is_400(interval):
    response = post_signup(signup_payload(interval=interval))
    assert response.status_code == 400
    assert "interval" in response.json()


def test_missing_fields_are_named():
    response = post_signup({})
    assert response.status_code == 400
    assert set(response.json()) == {"company", "subdomain", "email", "password", "seats", "interval"}


def test_malformed_json_is_400_not_500():
    response = api_client().post("/api/v1/signup/", data='{"company": ', content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_json_that_is_not_an_object_is_400():
    response = api_client().post("/api/v1/signup/", data=json.dumps([1, 2]), content_type="application/json")
    assert response.status_code == 400


def test_concurrent_signups_of_one_subdomain_make_one_tenant_and_one_clean_400(committed_db):
    subdomain = unique_subdomain("race")
    payload = signup_payload(subdomain=subdomain)
    barrier = threading.Barrier(2)
    results = []

    def attempt():
        try:
            client = Client(HTTP_HOST="localhost")
            barrier.wait()
            response = client.post("/api/v1/signup/", payload, content_type="application/json")
            results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    committed_db.extend(Tenant.objects.filter(subdomain=subdomain))
    assert sorted(status for status, _ in results) == [201, 400]
    assert [body for status, body in results if status == 400] == [{"subdomain": ["This subdomain is already taken."]}]
    assert Tenant.objects.filter(subdomain=subdomain).count() == 1
    assert Domain.objects.filter(domain=f"{subdomain}.localhost").count() == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", [f"t_{subdomain.replace('-', '_')}_%"]
        )
        assert cursor.fetchone()[0] == 1


def test_signup_errors_come_in_chinese_when_asked():
    response = api_client().post(
        "/api/v1/signup/", signup_payload(subdomain="www"), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert response.json() == {"subdomain": ["该子域名为保留名称。"]}
