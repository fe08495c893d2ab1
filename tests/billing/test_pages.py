"""The tenant admin's billing page and the vendor's subscriptions view."""

import pytest
from django.test import Client

from billing.models import Subscription
from crm.users.models import Role, User
from tests.billing.stripe_replay import example
from tests.billing.test_dunning import signed_in
from tests.tenancy import PASSWORD, host, in_tenant


def test_the_billing_page_shows_seats_and_says_billing_is_offline(tenant):
    page = signed_in(tenant).get("/billing/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "1 / 3" in html and "Billing is offline" in html


def test_buying_seats_from_the_page(tenant):
    response = signed_in(tenant).post("/billing/seats/", {"seats": 8})
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.seats == 8


def test_the_page_refuses_seats_below_those_in_use_with_a_message(tenant):
    with in_tenant(tenant):
        User.objects.create_user(email="x@example.test", password=PASSWORD, role=Role.SALES)
    response = signed_in(tenant).post("/billing/seats/", {"seats": 1})
    assert response.status_code == 400 and "2 seats are in use" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.seats == 3


def test_the_billing_page_is_not_found_for_other_roles(tenant):
    with in_tenant(tenant):
        director = User.objects.create_user(email="d@example.test", password=PASSWORD, role=Role.DIRECTOR)
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(director)
    assert client.get("/billing/").status_code == 404
    assert client.post("/billing/seats/", {"seats": 9}).status_code == 404
    tenant.refresh_from_db()
    assert tenant.seats == 3


def test_online_the_page_shows_stripes_next_invoice_and_history(replayed):
    # The invoice preview and list are not in localstripe: the replay server answers as Stripe does.
    replayed.routes[("POST", "/v1/invoices/create_preview")] = example("invoice_preview")
    replayed.routes[("GET", "/v1/invoices")] = example("invoice_list")
    html = signed_in(replayed.tenant).get("/billing/").content.decode()
    assert "$45.00" in html  # the preview's 4500 cents, with the currency's symbol
    assert "D3C1A5B2-0001" in html and "https://pay.stripe.com/invoice/" in html


@pytest.mark.parametrize(
    ("target", "route", "example_name", "prefix"),
    [
        ("checkout", "/v1/checkout/sessions", "checkout_session", "https://checkout.stripe.com/"),
        ("portal", "/v1/billing_portal/sessions", "portal_session", "https://billing.stripe.com/"),
    ],
)
def test_payment_method_buttons_send_the_admin_to_stripe(replayed, target, route, example_name, prefix):
    replayed.routes[("POST", route)] = example(example_name)
    response = signed_in(replayed.tenant).post("/billing/payment-method/", {"target": target})
    assert response.status_code == 302 and response["Location"].startswith(prefix)
    sent = next(params for method, path, params, _ in replayed.requests if path == route)
    assert sent["customer"] == ["cus_Na6dX7aXxi11N4"]
    if target == "checkout":
        assert sent["mode"] == ["setup"]


def test_the_vendor_sees_plan_seats_status_and_mrr_totals(tenant, admin_user):
    Subscription.objects.filter(tenant=tenant).update(status=Subscription.Status.ACTIVE, seats=4)
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin_user)
    html = client.get("/admin/billing/subscription/").content.decode()
    assert tenant.subdomain in html
    assert "60.00 USD" in html  # 4 seats × 15.00 a month
    assert "MRR" in html and "ARR" in html
