import pytest

from crm.audit.models import AuditEvent
from crm.deals import services
from crm.deals.models import Deal
from tests.crm.deals.factories import make_deal, stage_named
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(tenant_a):
    return make_deal(tenant_a, "sales", name="Big one", amount="5000.00")


@pytest.fixture
def client(tenant_a):
    return api_client(tenant_a, user_of(tenant_a, "sales"))


def moves_of(tenant, deal):
    with in_tenant(tenant):
        return list(
            AuditEvent.objects.filter(target_type="deals.deal", target_id=deal.pk, action="deal.moved").values_list(
                "payload", flat=True
            )
        )


def test_moving_a_deal_changes_its_stage_and_records_old_and_new(tenant_a, deal, client):
    proposal = stage_named(tenant_a, "Proposal")
    response = client.post(f"/api/v1/deals/{deal.pk}/move/", {"stage": proposal.pk}, format="json")
    assert response.status_code == 200
    assert (response.json()["stage"], response.json()["probability"], response.json()["status"]) == (
        proposal.pk,
        60,
        "open",
    )
    [payload] = moves_of(tenant_a, deal)
    assert payload["stage_name"] == ["Qualification", "Proposal"]


def test_moving_to_a_lost_stage_requires_a_reason(tenant_a, deal, client):
    lost = stage_named(tenant_a, "Lost")
    response = client.post(f"/api/v1/deals/{deal.pk}/move/", {"stage": lost.pk}, format="json")
    assert response.status_code == 400
    assert "lost_reason" in response.json()
    with in_tenant(tenant_a):
        assert Deal.objects.get(pk=deal.pk).status == "open"
    assert moves_of(tenant_a, deal) == []


def test_a_lost_deal_keeps_its_reason_and_closing_time(tenant_a, deal, client):
    lost = stage_named(tenant_a, "Lost")
    response = client.post(f"/api/v1/deals/{deal.pk}/move/", {"stage": lost.pk, "lost_reason": "Price"}, format="json")
    body = response.json()
    assert (body["status"], body["lost_reason"]) == ("lost", "Price")
    assert body["closed_at"] is not None


def test_reopening_a_won_deal_clears_its_closing_time(tenant_a, deal):
    with in_tenant(tenant_a):
        sales = user_of(tenant_a, "sales")
        services.move_deal(deal=deal, stage=stage_named(tenant_a, "Won"), by=sales)
        assert deal.status == "won" and deal.closed_at is not None
        services.move_deal(deal=deal, stage=stage_named(tenant_a, "Proposal"), by=sales)
        deal.refresh_from_db()
    assert (deal.status, deal.closed_at) == ("open", None)


def test_a_stage_of_another_pipeline_is_refused(tenant_a, deal, client):
    with in_tenant(tenant_a):
        other = services.create_pipeline(by=user_of(tenant_a, "admin"), name="Renewals")
        foreign = other.stages.get(name="Proposal")
    for response in (
        client.post(f"/api/v1/deals/{deal.pk}/move/", {"stage": foreign.pk}, format="json"),
        client.patch(f"/api/v1/deals/{deal.pk}/", {"stage": foreign.pk}, format="json"),
    ):
        assert response.status_code == 400
        assert "stage" in response.json()
    with in_tenant(tenant_a):
        assert Deal.objects.get(pk=deal.pk).stage_id == deal.stage_id


def test_changing_pipeline_and_stage_together_moves_the_deal_across(tenant_a, deal, client):
    with in_tenant(tenant_a):
        other = services.create_pipeline(by=user_of(tenant_a, "admin"), name="Renewals")
        target = other.stages.get(name="Negotiation")
    response = client.patch(f"/api/v1/deals/{deal.pk}/", {"pipeline": other.pk, "stage": target.pk}, format="json")
    assert response.status_code == 200
    assert (response.json()["pipeline"], response.json()["stage"]) == (other.pk, target.pk)


def test_history_lists_the_deals_changes_newest_first(tenant_a, deal, client):
    client.post(f"/api/v1/deals/{deal.pk}/move/", {"stage": stage_named(tenant_a, "Proposal").pk}, format="json")
    client.patch(f"/api/v1/deals/{deal.pk}/", {"amount": "6000.00"}, format="json")
    rows = client.get(f"/api/v1/deals/{deal.pk}/history/").json()["results"]
    assert [row["action"] for row in rows] == ["deal.updated", "deal.moved", "deal.created"]
    assert rows[0]["payload"] == {"amount": ["5000.00", "6000.00"]}


def test_amount_is_a_decimal_string_and_other_shapes_are_refused(tenant_a, client):
    ok = client.post("/api/v1/deals/", {"name": "Exact", "amount": "1234.50"}, format="json")
    assert ok.status_code == 201, ok.json()
    assert (ok.json()["amount"], ok.json()["currency"], ok.json()["owner"]) == (
        "1234.50",
        "CNY",
        user_of(tenant_a, "sales").pk,
    )
    for amount in (1234.5, "-1", "1.234", "abc"):
        response = client.post("/api/v1/deals/", {"name": "Bad", "amount": amount}, format="json")
        assert response.status_code == 400 and "amount" in response.json()
    with in_tenant(tenant_a):
        assert not Deal.objects.filter(name="Bad").exists()


def test_a_deal_created_in_a_lost_stage_needs_a_reason(tenant_a, client):
    response = client.post("/api/v1/deals/", {"name": "Dead", "stage": stage_named(tenant_a, "Lost").pk}, format="json")
    assert response.status_code == 400 and "lost_reason" in response.json()
