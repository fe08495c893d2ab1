"""Plans per currency: a company signing up in Chinese or from China pays in yuan,
its subscription (and Stripe price) is in CNY, and the billing page says ¥."""

import pytest
import stripe
from django.test import Client
from django.utils import translation

from billing import services
from billing.models import Subscription
from tenants.models import Tenant
from tests.billing.stripe_replay import example
from tests.billing.test_dunning import signed_in
from tests.tenancy import api_client, sign_up, unique_subdomain, user_of

pytestmark = pytest.mark.django_db


def _cny_tenant():
    tenant = sign_up(seats=3, language="zh-hans")
    services.open_subscription(tenant_id=tenant.pk)
    tenant.refresh_from_db()
    return tenant


def test_a_sign_up_in_chinese_pays_in_yuan_on_the_default_cny_plan(spare_pool):
    tenant = _cny_tenant()
    assert (tenant.currency, tenant.plan) == ("cny", "standard-cny")
    subscription = Subscription.objects.get(tenant=tenant)
    assert subscription.plan.code == "standard-cny" and subscription.plan.currency == "CNY"
    assert subscription.plan.month_amount == 9900


def test_a_sign_up_from_shanghai_in_english_pays_in_yuan(spare_pool):
    tenant = sign_up(language="en", time_zone="Asia/Shanghai")
    assert tenant.currency == "cny"


def test_a_sign_up_elsewhere_pays_in_dollars(spare_pool):
    tenant = sign_up(language="en", time_zone="Europe/Berlin")
    services.open_subscription(tenant_id=tenant.pk)
    assert (tenant.currency, tenant.plan) == ("usd", "standard")
    assert Subscription.objects.get(tenant=tenant).plan.code == "standard"


def test_the_company_may_choose_dollars_even_when_signing_up_in_chinese(spare_pool):
    tenant = sign_up(language="zh-hans", currency="usd")
    assert (tenant.currency, tenant.plan) == ("usd", "standard")


def test_the_api_sign_up_takes_a_plan_which_sets_the_currency(spare_pool):
    subdomain = unique_subdomain("cny")
    response = api_client().post(
        "/api/v1/signup/",
        {
            "company": "上海精密",
            "subdomain": subdomain,
            "email": "boss@sh.test",
            "password": "a-strong-passphrase",
            "seats": 2,
            "interval": "year",
            "plan": "professional-cny",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    tenant = Tenant.objects.get(subdomain=subdomain)
    assert (tenant.currency, tenant.plan) == ("cny", "professional-cny")


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"plan": "gold"}, "plan"), ({"plan": "standard", "currency": "cny"}, "plan"), ({"currency": "eur"}, "currency")],
)
def test_an_unknown_plan_or_a_plan_of_another_currency_is_400_and_creates_nothing(spare_pool, fields, field):
    subdomain = unique_subdomain("bad")
    payload = {
        "company": "Acme",
        "subdomain": subdomain,
        "email": "boss@acme.test",
        "password": "a-strong-passphrase",
        "seats": 2,
        "interval": "month",
        **fields,
    }
    response = api_client().post("/api/v1/signup/", payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Tenant.objects.filter(subdomain=subdomain).exists()


def test_the_chinese_sign_up_page_offers_yuan_plans_first(spare_pool):
    with translation.override("zh-hans"):
        html = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="zh-hans").get("/signup/").content.decode()
    assert '<option value="cny" selected>CNY</option>' in html
    assert 'value="standard-cny" selected data-currency="cny"' in html
    assert "¥99.00" in html and "¥990.00" in html


def test_the_sign_up_page_can_switch_to_dollars(spare_pool):
    html = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="zh-hans").get("/signup/?currency=usd").content.decode()
    assert '<option value="usd" selected>USD</option>' in html
    assert 'value="standard" selected data-currency="usd"' in html and "$15.00" in html


def test_the_sign_up_page_stores_the_chosen_plan(spare_pool):
    subdomain = unique_subdomain("page")
    response = Client(HTTP_HOST="localhost").post(
        "/signup/",
        {
            "company": "Acme",
            "subdomain": subdomain,
            "email": "boss@acme.test",
            "password": "a-strong-passphrase",
            "currency": "cny",
            "plan": "professional-cny",
            "seats": 2,
            "interval": "month",
        },
    )
    assert response.status_code == 302
    assert Tenant.objects.get(subdomain=subdomain).plan == "professional-cny"


def test_the_billing_page_shows_yuan_and_offers_only_yuan_plans(spare_pool):
    html = signed_in(_cny_tenant()).get("/billing/").content.decode()
    assert "¥99.00" in html
    assert 'value="professional-cny"' in html and 'value="professional"' not in html


def test_changing_to_a_plan_of_another_currency_is_refused(spare_pool):
    tenant = _cny_tenant()
    response = signed_in(tenant).post("/billing/plan/", {"plan": "professional", "interval": "month"})
    assert response.status_code == 400
    assert Subscription.objects.get(tenant=tenant).plan.code == "standard-cny"
    refused = api_client(tenant, user_of(tenant, "owner")).patch(
        "/api/v1/billing/subscription/", {"plan": "professional"}, format="json"
    )
    assert refused.status_code == 400 and "plan" in refused.json()


def test_online_a_yuan_subscription_is_on_a_cny_price_in_stripe(online, spare_pool):
    tenant = sign_up(seats=2, language="zh-hans")
    subscription = services.open_subscription(tenant_id=tenant.pk)
    item = stripe.Subscription.retrieve(subscription.stripe_subscription_id)["items"]["data"][0]
    assert item["plan"]["id"] == "crm-standard-cny-month-9900-cny"
    assert item["plan"]["currency"] == "cny" and item["plan"]["amount"] == 9900
    assert item["quantity"] == 2


def test_online_checkout_for_a_card_is_in_the_subscriptions_currency(replay, settings, spare_pool):
    key, settings.STRIPE_API_KEY = settings.STRIPE_API_KEY, ""
    tenant = _cny_tenant()  # opened offline, then as if opened in Stripe
    settings.STRIPE_API_KEY = key
    Subscription.objects.filter(tenant=tenant).update(
        stripe_customer_id="cus_Na6dX7aXxi11N4", stripe_subscription_id="sub_1MowQVLkdIwHu7ixeRlqHVzs"
    )
    replay.routes[("POST", "/v1/checkout/sessions")] = example("checkout_session")
    response = signed_in(tenant).post("/billing/payment-method/", {"target": "checkout"})
    assert response.status_code == 302
    sent = next(params for method, path, params, _ in replay.requests if path == "/v1/checkout/sessions")
    assert sent["currency"] == ["cny"]
