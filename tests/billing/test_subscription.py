"""GET|PATCH /api/v1/billing/subscription/ offline and against localstripe."""

import stripe
from django.core import mail

from billing import catalog, services
from billing.models import BillingTransition, Plan, Subscription
from crm.users.models import Role, User
from tenants.models import Tenant
from tests.tenancy import PASSWORD, api_client, in_tenant, sign_up, user_of


def test_signing_up_opens_a_trial_with_the_chosen_seats(tenant, admin_api):
    response = admin_api.get("/api/v1/billing/subscription/")
    assert response.status_code == 200
    body = response.json()
    assert body["seats"] == 3 and body["seats_used"] == 1
    assert body["status"] == "trialing" and body["interval"] == "month" and body["plan"] == "standard"
    assert body["online"] is False


def test_only_admins_see_the_subscription(tenant):
    with in_tenant(tenant):
        sales = User.objects.create_user(email="s@example.test", password=PASSWORD, role=Role.SALES)
    response = api_client(tenant, sales).patch("/api/v1/billing/subscription/", {"seats": 9}, format="json")
    assert response.status_code == 403
    tenant.refresh_from_db()
    assert tenant.seats == 3


def test_buying_seats_offline_lets_the_admin_add_users(tenant, admin_api):
    for n in range(2):
        assert (
            admin_api.post(
                "/api/v1/users/",
                {"email": f"u{n}@example.test", "name": "U", "role": "sales", "password": PASSWORD},
                format="json",
            ).status_code
            == 201
        )
    refused = admin_api.post(
        "/api/v1/users/",
        {"email": "u9@example.test", "name": "U", "role": "sales", "password": PASSWORD},
        format="json",
    )
    assert refused.status_code == 402 and "seats" in refused.json()["detail"]

    response = admin_api.patch("/api/v1/billing/subscription/", {"seats": 5}, format="json")
    assert response.status_code == 200 and response.json()["seats"] == 5
    tenant.refresh_from_db()
    assert tenant.seats == 5
    assert (
        admin_api.post(
            "/api/v1/users/",
            {"email": "u9@example.test", "name": "U", "role": "sales", "password": PASSWORD},
            format="json",
        ).status_code
        == 201
    )


def test_seats_below_those_in_use_are_refused_and_nothing_changes(tenant, admin_api):
    admin_api.post(
        "/api/v1/users/",
        {"email": "u1@example.test", "name": "U", "role": "sales", "password": PASSWORD},
        format="json",
    )
    response = admin_api.patch("/api/v1/billing/subscription/", {"seats": 1}, format="json")
    assert response.status_code == 400
    assert "2 seats are in use" in response.json()["seats"][0]
    tenant.refresh_from_db()
    assert tenant.seats == 3 and Subscription.objects.get(tenant=tenant).seats == 3


def test_bad_changes_are_400_with_field_messages(tenant, admin_api):
    for body, field in [
        ({"seats": "4"}, "seats"),
        ({"seats": 0}, "seats"),
        ({"interval": "week"}, "interval"),
        ({"plan": "platinum"}, "plan"),
        ({"cancel_at_period_end": "yes"}, "cancel_at_period_end"),
    ]:
        response = admin_api.patch("/api/v1/billing/subscription/", body, format="json")
        assert response.status_code == 400, body
        assert field in response.json(), (body, response.json())
    assert Subscription.objects.get(tenant=tenant).seats == 3


def test_switching_to_yearly_offline_is_recorded_with_history(tenant, admin_api):
    response = admin_api.patch("/api/v1/billing/subscription/", {"interval": "year"}, format="json")
    assert response.status_code == 200 and response.json()["interval"] == "year"
    tenant.refresh_from_db()
    assert tenant.billing_interval == "year"
    assert BillingTransition.objects.filter(tenant=tenant, reason__contains="interval month → year").exists()


def test_an_offline_trial_ends_into_active(tenant):
    subscription = Subscription.objects.get(tenant=tenant)
    assert services.advance_dunning(now=subscription.trial_ends_at + __import__("datetime").timedelta(hours=1)) == 1
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.ACTIVE


def test_sync_plans_is_idempotent_in_stripe(online, db):
    first = catalog.sync_catalog()
    prices_before = len(stripe.Plan.list(limit=100).data)
    second = catalog.sync_catalog()
    assert len(stripe.Plan.list(limit=100).data) == prices_before
    assert [p.stripe_month_price for p in first] == [p.stripe_month_price for p in second]
    assert Plan.objects.get(code="standard").stripe_year_price == "crm-standard-year-15000-usd"


def test_opening_online_creates_one_customer_and_subscription_even_when_repeated(online, db, spare_pool):
    tenant = sign_up(seats=4, email="billing-owner@example.test")
    services.open_subscription(tenant_id=tenant.pk)
    services.open_subscription(tenant_id=tenant.pk)  # a retried task
    subscription = Subscription.objects.get(tenant=tenant)
    assert subscription.stripe_customer_id.startswith("cus_")
    remote = stripe.Subscription.retrieve(subscription.stripe_subscription_id)
    assert remote["items"]["data"][0]["quantity"] == 4
    customers = [c for c in stripe.Customer.list(limit=100).data if c["email"] == "billing-owner@example.test"]
    assert len(customers) == 1
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.TRIALING


def test_changing_seats_online_changes_the_stripe_quantity(online, db, spare_pool):
    tenant = sign_up(seats=2)
    services.open_subscription(tenant_id=tenant.pk)
    api = api_client(tenant, user_of(tenant, "owner"))
    assert api.patch("/api/v1/billing/subscription/", {"seats": 7}, format="json").status_code == 200
    subscription = Subscription.objects.get(tenant=tenant)
    assert stripe.Subscription.retrieve(subscription.stripe_subscription_id)["items"]["data"][0]["quantity"] == 7
    tenant.refresh_from_db()
    assert tenant.seats == 7


def _add_card(subscription):
    token = stripe.Token.create(card={"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"})
    stripe.Customer.create_source(subscription.stripe_customer_id, source=token["id"])


def test_switching_interval_online_moves_the_item_to_the_yearly_price(online, db, spare_pool):
    tenant = sign_up(seats=2)
    services.open_subscription(tenant_id=tenant.pk)
    # Changing the price invoices at once; localstripe needs a card for that.
    _add_card(Subscription.objects.get(tenant=tenant))
    api = api_client(tenant, user_of(tenant, "owner"))
    assert api.patch("/api/v1/billing/subscription/", {"interval": "year"}, format="json").status_code == 200
    subscription = Subscription.objects.get(tenant=tenant)
    item = stripe.Subscription.retrieve(subscription.stripe_subscription_id)["items"]["data"][0]
    assert item["plan"]["id"] == "crm-standard-year-15000-usd" and item["quantity"] == 2
    assert subscription.interval == "year"


def test_cancel_at_period_end_is_sent_to_stripe_and_can_be_withdrawn(online, db, spare_pool):
    tenant = sign_up(seats=2)
    services.open_subscription(tenant_id=tenant.pk)
    api = api_client(tenant, user_of(tenant, "owner"))
    assert (
        api.patch("/api/v1/billing/subscription/", {"cancel_at_period_end": True}, format="json").json()[
            "cancel_at_period_end"
        ]
        is True
    )
    subscription = Subscription.objects.get(tenant=tenant)
    assert stripe.Subscription.retrieve(subscription.stripe_subscription_id)["cancel_at_period_end"] is True
    assert (
        api.patch("/api/v1/billing/subscription/", {"cancel_at_period_end": False}, format="json").json()[
            "cancel_at_period_end"
        ]
        is False
    )


def test_stripe_unreachable_is_503_and_nothing_changes(online, settings, db, spare_pool):
    tenant = sign_up(seats=2)
    services.open_subscription(tenant_id=tenant.pk)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    response = api_client(tenant, user_of(tenant, "owner")).patch(
        "/api/v1/billing/subscription/", {"seats": 6}, format="json"
    )
    assert response.status_code == 503 and "nothing was changed" in response.json()["detail"]
    tenant.refresh_from_db()
    assert tenant.seats == 2 and Subscription.objects.get(tenant=tenant).seats == 2
    assert mail.outbox == []
