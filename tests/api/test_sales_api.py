"""Products, price lists, quotes and orders through the API (CONTRACT.md):
exact money as strings, numbering, approval paths, accept → order, revisions,
and scopes that hold across users and tenants."""

from decimal import Decimal

import pytest

from crm.access.models import ModulePermission
from crm.approvals import flows
from crm.sales.models import Order, Quote
from crm.teams.models import Team, TeamMembership
from tests.crm.deals.factories import make_deal
from tests.factories import make_account
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def client(tenant, who):
    return api_client(tenant, user_of(tenant, who))


def product(tenant, sku="P-1", price="100.00", tax="0.13", **extra):
    response = client(tenant, "admin").post(
        "/api/v1/products/",
        {"sku": sku, "name": f"Product {sku}", "unit_price": price, "tax_rate": tax, "currency": "CNY", **extra},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def quote(tenant, who="sales", lines=None, **fields):
    if "account" not in fields and "deal" not in fields:
        with in_tenant(tenant):
            fields["account"] = make_account(by=user_of(tenant, who), name="Quoted Co").pk
    body = {"currency": "CNY", "lines": lines or [{"description": "Consulting", "quantity": "2", "unit_price": "500"}]}
    response = client(tenant, who).post("/api/v1/quotes/", {**body, **fields}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def east(tenant_a):
    with in_tenant(tenant_a):
        team = Team.objects.create(name="East", manager=user_of(tenant_a, "manager"))
        TeamMembership.objects.create(user=user_of(tenant_a, "sales"), team=team)
    return team


def discount_flow(tenant):
    with in_tenant(tenant):
        flows.save_flow(
            by=user_of(tenant, "admin"),
            kind="quote",
            name="Big discounts",
            steps=[
                {
                    "approver_type": "manager",
                    "levels": 1,
                    "conditions": [{"field": "max_discount", "op": "gt", "value": "0.15"}],
                }
            ],
        )


# Catalogue -------------------------------------------------------------------------


def test_sales_reads_the_catalogue_but_cannot_change_it_and_sees_no_cost(tenant_a):
    made = product(tenant_a, sku="CAT-1", cost="60.00")
    assert made["cost"] == "60.00" and made["unit_price"] == "100.00" and made["tax_rate"] == "0.13"
    seen = client(tenant_a, "sales").get(f"/api/v1/products/{made['id']}/").json()
    assert seen["cost"] == "••••••" and seen["unit_price"] == "100.00"
    refused = client(tenant_a, "sales").post(
        "/api/v1/products/", {"sku": "S-1", "name": "Mine", "unit_price": "1"}, format="json"
    )
    assert refused.status_code == 403


def test_a_sku_is_unique_without_regard_to_case(tenant_a):
    product(tenant_a, sku="ab-1")
    response = client(tenant_a, "admin").post(
        "/api/v1/products/", {"sku": "AB-1 ", "name": "Again", "unit_price": "1"}, format="json"
    )
    assert response.status_code == 400 and "sku" in response.json()


def test_money_given_as_a_float_is_a_400_on_the_field(tenant_a):
    response = client(tenant_a, "admin").post(
        "/api/v1/products/", {"sku": "F-1", "name": "Float", "unit_price": 1.5}, format="json"
    )
    assert response.status_code == 400 and "unit_price" in response.json()


def test_a_quote_takes_the_tier_price_of_its_accounts_level(tenant_a):
    item = product(tenant_a, sku="TIER-1", price="100.00", tax="0.13")
    admin = client(tenant_a, "admin")
    response = admin.post(
        "/api/v1/price-lists/",
        {
            "name": "Strategic CNY",
            "currency": "CNY",
            "account_level": "strategic",
            "items": [
                {"product": item["id"], "min_quantity": "1", "unit_price": "90.00"},
                {"product": item["id"], "min_quantity": "10", "unit_price": "80.00"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    with in_tenant(tenant_a):
        vip = make_account(by=user_of(tenant_a, "sales"), name="VIP Co", level="strategic").pk
        plain = make_account(by=user_of(tenant_a, "sales"), name="Plain Co").pk
    made = quote(
        tenant_a,
        account=vip,
        lines=[{"product": item["id"], "quantity": "12"}, {"product": item["id"], "quantity": "2"}],
    )
    assert [line["unit_price"] for line in made["lines"]] == ["80.00", "90.00"]
    # 12 × 80 = 960 + 2 × 90 = 180; tax 13 %: 124.80 + 23.40
    assert (made["subtotal"], made["tax"], made["total"]) == ("1140.00", "148.20", "1288.20")
    assert (
        quote(tenant_a, account=plain, lines=[{"product": item["id"], "quantity": "1"}])["lines"][0]["unit_price"]
        == "100.00"
    )


# Quotes ----------------------------------------------------------------------------


def test_a_quote_from_a_deal_is_numbered_and_totalled_exactly(tenant_a):
    deal = make_deal(tenant_a, name="Big deal", currency="CNY")
    made = quote(
        tenant_a,
        deal=deal.pk,
        lines=[
            {
                "description": "Beans",
                "quantity": "2.125",
                "unit_price": "18.80",
                "discount": "0.15",
                "tax_rate": "0.06",
            },
            {"description": "Setup", "quantity": "3", "unit_price": "99.90", "tax_rate": "0.13"},
        ],
    )
    assert made["account"] == deal.account_id and made["title"] == "Big deal"
    assert made["number"].startswith("QT-") and made["status"] == "draft"
    assert (made["subtotal"], made["tax"], made["total"]) == ("333.66", "41.00", "374.66")


def test_bad_lines_are_a_400_naming_the_line_and_nothing_is_saved(tenant_a):
    with in_tenant(tenant_a):
        account = make_account(by=user_of(tenant_a, "sales"), name="Bad lines Co").pk
        before = Quote.objects.count()
    response = client(tenant_a, "sales").post(
        "/api/v1/quotes/",
        {"account": account, "lines": [{"description": "ok", "quantity": "1", "unit_price": "1"}, {"quantity": "1"}]},
        format="json",
    )
    assert response.status_code == 400
    assert any(message.startswith("Line 2") for message in response.json()["lines"])
    with in_tenant(tenant_a):
        assert Quote.objects.count() == before


def test_another_salesperson_and_another_tenant_cannot_reach_a_quote(tenant_a, tenant_b):
    made = quote(tenant_a)
    assert client(tenant_a, "sales2").get(f"/api/v1/quotes/{made['id']}/").status_code == 404
    assert client(tenant_a, "sales2").post(f"/api/v1/quotes/{made['id']}/submit/").status_code == 404
    assert made["id"] not in [q["id"] for q in client(tenant_a, "sales2").get("/api/v1/quotes/").json()["results"]]
    assert client(tenant_b, "admin").get(f"/api/v1/quotes/{made['id']}/").status_code == 404
    assert client(tenant_a, "director").get(f"/api/v1/quotes/{made['id']}/").status_code == 200


def test_a_quote_for_an_account_out_of_scope_is_refused(tenant_a):
    with in_tenant(tenant_a):
        theirs = make_account(by=user_of(tenant_a, "sales2"), name="Theirs Co").pk
    response = client(tenant_a, "sales").post("/api/v1/quotes/", {"account": theirs, "lines": []}, format="json")
    assert response.status_code == 400 and "account" in response.json()


def test_a_hidden_module_is_refused(tenant_a):
    with in_tenant(tenant_a):
        ModulePermission.objects.create(role="sales", module="quotes", hidden=True)
    assert client(tenant_a, "sales").get("/api/v1/quotes/").status_code == 403


def test_without_a_flow_submitting_approves_at_once(tenant_a):
    made = quote(tenant_a)
    response = client(tenant_a, "sales").post(f"/api/v1/quotes/{made['id']}/submit/")
    assert response.status_code == 200 and response.json()["status"] == "approved"


def test_a_rule_not_met_needs_no_approval(tenant_a, east):
    discount_flow(tenant_a)
    made = quote(tenant_a, lines=[{"description": "x", "quantity": "1", "unit_price": "100", "discount": "0.10"}])
    assert client(tenant_a, "sales").post(f"/api/v1/quotes/{made['id']}/submit/").json()["status"] == "approved"


def test_a_big_discount_waits_for_the_manager_who_approves(tenant_a, east):
    discount_flow(tenant_a)
    made = quote(tenant_a, lines=[{"description": "x", "quantity": "1", "unit_price": "100", "discount": "0.20"}])
    sales, manager = client(tenant_a, "sales"), client(tenant_a, "manager")
    assert sales.post(f"/api/v1/quotes/{made['id']}/submit/").json()["status"] == "pending_approval"
    # Waiting: not editable.
    edit = sales.patch(f"/api/v1/quotes/{made['id']}/", {"title": "Changed"}, format="json")
    assert edit.status_code == 400
    inbox = manager.get("/api/v1/approvals/?status=pending").json()["results"]
    task = next(t for t in inbox if t["subject"]["kind"] == "quote" and t["subject"]["id"] == made["id"])
    assert manager.post(f"/api/v1/approvals/{task['id']}/approve/", {"comment": "ok"}, format="json").status_code == 200
    assert sales.get(f"/api/v1/quotes/{made['id']}/").json()["status"] == "approved"
    # Approved: editing needs a reopen first.
    assert sales.patch(f"/api/v1/quotes/{made['id']}/", {"title": "Changed"}, format="json").status_code == 400
    assert sales.post(f"/api/v1/quotes/{made['id']}/reopen/").json()["status"] == "draft"


def test_a_rejected_quote_is_edited_and_submitted_again(tenant_a, east):
    discount_flow(tenant_a)
    made = quote(tenant_a, lines=[{"description": "x", "quantity": "1", "unit_price": "100", "discount": "0.30"}])
    sales, manager = client(tenant_a, "sales"), client(tenant_a, "manager")
    sales.post(f"/api/v1/quotes/{made['id']}/submit/")
    task = next(
        t
        for t in manager.get("/api/v1/approvals/?status=pending").json()["results"]
        if t["subject"]["id"] == made["id"]
    )
    manager.post(f"/api/v1/approvals/{task['id']}/reject/", {"comment": "Too low"}, format="json")
    assert sales.get(f"/api/v1/quotes/{made['id']}/").json()["status"] == "rejected"
    lower = [{"description": "x", "quantity": "1", "unit_price": "100", "discount": "0.10"}]
    edited = sales.patch(f"/api/v1/quotes/{made['id']}/", {"lines": lower}, format="json").json()
    assert edited["status"] == "draft" and edited["total"] == "90.00"
    assert sales.post(f"/api/v1/quotes/{made['id']}/submit/").json()["status"] == "approved"


def test_accepting_makes_one_order_with_the_lines(tenant_a):
    made = quote(
        tenant_a, lines=[{"description": "Widget", "quantity": "3", "unit_price": "10.00", "tax_rate": "0.13"}]
    )
    sales = client(tenant_a, "sales")
    sales.post(f"/api/v1/quotes/{made['id']}/submit/")
    assert sales.post(f"/api/v1/quotes/{made['id']}/mark-sent/").json()["status"] == "sent"
    response = sales.post(f"/api/v1/quotes/{made['id']}/accept/")
    assert response.status_code == 201
    order = response.json()
    assert order["number"].startswith("SO-") and order["quote"] == made["id"]
    assert order["total"] == "33.90" and order["lines"][0]["quantity"] == "3"
    assert sales.post(f"/api/v1/quotes/{made['id']}/accept/").status_code == 400
    with in_tenant(tenant_a):
        assert Order.objects.filter(quote_id=made["id"]).count() == 1
    assert client(tenant_a, "sales2").get(f"/api/v1/orders/{order['id']}/").status_code == 404


def test_revising_a_sent_quote_keeps_version_one_readable(tenant_a):
    made = quote(tenant_a)
    sales = client(tenant_a, "sales")
    sales.post(f"/api/v1/quotes/{made['id']}/submit/")
    sales.post(f"/api/v1/quotes/{made['id']}/mark-sent/")
    response = sales.post(f"/api/v1/quotes/{made['id']}/revise/")
    assert response.status_code == 201
    revision = response.json()
    assert (revision["number"], revision["version"], revision["status"]) == (made["number"], 2, "draft")
    old = sales.get(f"/api/v1/quotes/{made['id']}/").json()
    assert old["superseded"] is True and old["status"] == "sent" and old["total"] == made["total"]
    assert sales.post(f"/api/v1/quotes/{made['id']}/accept/").status_code == 400


def test_a_submitted_quote_cannot_be_deleted(tenant_a):
    made = quote(tenant_a)
    sales = client(tenant_a, "sales")
    sales.post(f"/api/v1/quotes/{made['id']}/submit/")
    assert sales.delete(f"/api/v1/quotes/{made['id']}/").status_code == 400
    draft = quote(tenant_a)
    assert sales.delete(f"/api/v1/quotes/{draft['id']}/").status_code == 204


def test_decimal_amounts_never_come_back_as_floats(tenant_a):
    made = quote(tenant_a, lines=[{"description": "x", "quantity": "1.5", "unit_price": "0.0125"}])
    line = made["lines"][0]
    assert line["unit_price"] == "0.0125" and line["quantity"] == "1.5" and line["net"] == "0.02"
    assert Decimal(made["total"]) == Decimal("0.02")


def test_an_order_without_lines_or_account_is_a_400(tenant_a):
    sales = client(tenant_a, "sales")
    assert "account" in sales.post("/api/v1/orders/", {}, format="json").json()
    with in_tenant(tenant_a):
        account = make_account(by=user_of(tenant_a, "sales"), name="Order Co").pk
    response = sales.post("/api/v1/orders/", {"account": account, "lines": []}, format="json")
    assert response.status_code == 400 and "lines" in response.json()


def test_an_empty_cost_is_refused_not_read_as_none(tenant_a):
    response = client(tenant_a, "admin").post(
        "/api/v1/products/", {"sku": "E-1", "name": "Empty", "unit_price": "1", "cost": ""}, format="json"
    )
    assert response.status_code == 400 and "cost" in response.json()
