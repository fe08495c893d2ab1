import pytest

from crm.deals.models import Deal
from crm.teams.models import Team, TeamMembership
from tests.crm.deals.factories import make_deal
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(tenant_a):
    return {who: make_deal(tenant_a, who, name=f"{who}'s deal") for who in ("sales", "sales2", "manager")}


@pytest.fixture
def managers_team(tenant_a):
    with in_tenant(tenant_a):
        team = Team.objects.create(name="East", manager=user_of(tenant_a, "manager"))
        TeamMembership.objects.create(user=user_of(tenant_a, "sales"), team=team)
    return team


def names(client, url="/api/v1/deals/?page_size=200"):
    return {row["name"] for row in client.get(url).json()["results"]}


def test_sales_user_lists_only_their_own_deals(tenant_a, deals):
    assert names(api_client(tenant_a, user_of(tenant_a, "sales"))) == {"sales's deal"}


def test_sales_user_cannot_read_change_move_or_delete_another_owners_deal(tenant_a, deals):
    theirs = deals["sales2"]
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    responses = [
        client.get(f"/api/v1/deals/{theirs.pk}/"),
        client.patch(f"/api/v1/deals/{theirs.pk}/", {"name": "mine now"}, format="json"),
        client.post(f"/api/v1/deals/{theirs.pk}/move/", {"stage": theirs.stage_id}, format="json"),
        client.post(f"/api/v1/deals/{theirs.pk}/pause/", {"reason": "x", "until": "2999-01-01"}, format="json"),
        client.get(f"/api/v1/deals/{theirs.pk}/history/"),
        client.delete(f"/api/v1/deals/{theirs.pk}/"),
    ]
    assert [r.status_code for r in responses] == [404] * 6
    assert responses[0].json() == client.get("/api/v1/deals/999999/").json()
    with in_tenant(tenant_a):
        unchanged = Deal.objects.get(pk=theirs.pk)
    assert (unchanged.name, unchanged.paused_until) == ("sales2's deal", None)


def test_manager_sees_their_teams_deals_and_their_own_only(tenant_a, deals, managers_team):
    assert names(api_client(tenant_a, user_of(tenant_a, "manager"))) == {"sales's deal", "manager's deal"}


def test_director_and_admin_see_every_deal(tenant_a, deals):
    for role in ("director", "admin"):
        assert {"sales's deal", "sales2's deal", "manager's deal"} <= names(
            api_client(tenant_a, user_of(tenant_a, role))
        )


def test_search_does_not_find_deals_out_of_scope(tenant_a, deals):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert client.get("/api/v1/deals/?search=sales2").json()["count"] == 0


def test_a_deal_of_one_tenant_is_not_found_on_anothers_host(tenant_a, tenant_b, deals):
    deal = deals["sales"]
    response = api_client(tenant_b, user_of(tenant_b, "admin")).get(f"/api/v1/deals/{deal.pk}/")
    assert response.status_code == 404


def test_sales_cannot_put_a_deal_on_an_account_they_cannot_see(tenant_a, deals):
    hidden_account = deals["sales2"].account
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post("/api/v1/deals/", {"name": "Sneaky", "account": hidden_account.pk}, format="json")
    assert response.status_code == 400 and "account" in response.json()
    with in_tenant(tenant_a):
        assert not Deal.objects.filter(name="Sneaky").exists()


def test_kanban_and_summary_leave_out_deals_out_of_scope(tenant_a, deals):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    kanban = client.get("/api/v1/deals/kanban/").json()
    first = kanban["stages"][0]
    assert first["name"] == "Qualification"
    assert [d["name"] for d in first["deals"]] == ["sales's deal"]
    assert first["count"] == 1 and first["totals"] == {"CNY": "1000.00"}
    assert sum(stage["count"] for stage in kanban["stages"]) == 1
    summary = client.get("/api/v1/deals/summary/").json()
    assert summary == {"open_count": 1, "totals": {"CNY": "1000.00"}, "weighted_totals": {"CNY": "100.00"}}
