import pytest

from crm.activities.models import Activity, ActivityComment
from crm.teams.models import Team, TeamMembership
from tests.crm.activities.factories import log, make_account
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(tenant_a):
    return {who: make_account(tenant_a, who, name=f"{who} Ltd") for who in ("sales", "sales2", "manager")}


@pytest.fixture
def calls(tenant_a, accounts):
    return {who: log(tenant_a, who, subject=f"{who}'s call", account=accounts[who]) for who in accounts}


def subjects(client, url="/api/v1/activities/?page_size=200"):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return {row["subject"] for row in response.json()["results"]}


def test_sales_user_sees_only_activities_on_their_own_accounts(tenant_a, calls):
    assert subjects(api_client(tenant_a, user_of(tenant_a, "sales"))) == {"sales's call"}


def test_sales_user_cannot_read_change_comment_or_delete_another_owners_activity(tenant_a, calls):
    theirs = calls["sales2"]
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    responses = [
        client.get(f"/api/v1/activities/{theirs.pk}/"),
        client.patch(f"/api/v1/activities/{theirs.pk}/", {"subject": "mine now"}, format="json"),
        client.get(f"/api/v1/activities/{theirs.pk}/comments/"),
        client.post(f"/api/v1/activities/{theirs.pk}/comments/", {"body": "hi"}, format="json"),
        client.delete(f"/api/v1/activities/{theirs.pk}/"),
    ]
    assert [r.status_code for r in responses] == [404] * 5
    assert responses[0].json() == client.get("/api/v1/activities/999999/").json()
    with in_tenant(tenant_a):
        assert Activity.objects.get(pk=theirs.pk).subject == "sales2's call"
        assert not ActivityComment.objects.filter(activity_id=theirs.pk).exists()


def test_manager_sees_the_activities_on_their_teams_accounts(tenant_a, calls):
    with in_tenant(tenant_a):
        team = Team.objects.create(name="East", manager=user_of(tenant_a, "manager"))
        TeamMembership.objects.create(user=user_of(tenant_a, "sales"), team=team)
    assert subjects(api_client(tenant_a, user_of(tenant_a, "manager"))) == {"sales's call", "manager's call"}


def test_manager_without_a_team_sees_only_their_own(tenant_a, calls):
    assert subjects(api_client(tenant_a, user_of(tenant_a, "manager"))) == {"manager's call"}


def test_director_sees_every_activity(tenant_a, calls):
    assert subjects(api_client(tenant_a, user_of(tenant_a, "director"))) >= {
        "sales's call",
        "sales2's call",
        "manager's call",
    }


def test_an_activity_someone_else_logged_on_my_account_is_mine_to_read_but_not_to_change(tenant_a, accounts):
    visit = log(tenant_a, "admin", kind="visit", subject="Admin visited", account=accounts["sales"])
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert client.get(f"/api/v1/activities/{visit.pk}/").json()["subject"] == "Admin visited"
    response = client.patch(f"/api/v1/activities/{visit.pk}/", {"subject": "Changed"}, format="json")
    assert response.status_code == 403
    assert client.delete(f"/api/v1/activities/{visit.pk}/").status_code == 403
    with in_tenant(tenant_a):
        assert Activity.objects.get(pk=visit.pk).subject == "Admin visited"


def test_logging_an_activity_on_an_account_out_of_scope_is_refused(tenant_a, accounts):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(
        "/api/v1/activities/", {"kind": "call", "subject": "Sneaky", "account": accounts["sales2"].pk}, format="json"
    )
    assert response.status_code == 400 and "account" in response.json()
    with in_tenant(tenant_a):
        assert not Activity.objects.filter(subject="Sneaky").exists()


def test_filtering_by_an_account_out_of_scope_answers_like_a_missing_one(tenant_a, calls, accounts):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    hidden = client.get(f"/api/v1/activities/?account={accounts['sales2'].pk}")
    missing = client.get("/api/v1/activities/?account=999999")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json().keys() == missing.json().keys() == {"account"}


def test_logging_defaults_the_owner_to_the_caller_and_leaves_an_audit_row(tenant_a, accounts):
    from crm.audit.models import AuditEvent

    sales = user_of(tenant_a, "sales")
    response = api_client(tenant_a, sales).post(
        "/api/v1/activities/",
        {"kind": "meeting", "subject": "Kick-off", "account": accounts["sales"].pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["owner"] == sales.pk
    with in_tenant(tenant_a):
        event = AuditEvent.objects.get(action="activity.logged", target_id=response.json()["id"])
    assert event.actor_id == sales.pk and event.payload["subject"] == "Kick-off"


def test_bad_input_is_a_400_naming_the_fields(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(
        "/api/v1/activities/",
        {"kind": "fax", "subject": "", "occurred_at": "yesterday", "next_contact_at": "2026-02-30"},
        format="json",
    )
    assert response.status_code == 400
    assert {"kind", "subject", "occurred_at", "next_contact_at"} <= response.json().keys()


def test_an_activity_of_one_tenant_is_not_found_on_anothers_host(tenant_a, tenant_b, calls):
    activity = calls["sales"]
    with in_tenant(tenant_b):
        assert not Activity.objects.filter(pk=activity.pk).exists()
    client = api_client(tenant_b, user_of(tenant_b, "admin"))
    assert client.get(f"/api/v1/activities/{activity.pk}/").status_code == 404
    assert client.post(f"/api/v1/activities/{activity.pk}/comments/", {"body": "x"}, format="json").status_code == 404


def test_the_owner_of_a_deal_sees_activities_others_logged_on_it_and_filters_by_it(tenant_a):
    from tests.crm.deals.factories import make_deal

    deal = make_deal(tenant_a, "sales", name="Big one")
    log(tenant_a, "admin", kind="meeting", subject="Negotiated", deal=deal)
    log(tenant_a, "sales2", subject="Unrelated", account=make_account(tenant_a, "sales2"))
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    rows = client.get(f"/api/v1/activities/?deal={deal.pk}").json()["results"]
    assert [(r["subject"], r["account"]) for r in rows] == [("Negotiated", deal.account_id)]
    assert "Unrelated" not in subjects(client)


def test_the_activity_list_takes_the_same_number_of_queries_however_long_it_is(tenant_a, accounts):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client(tenant_a, user_of(tenant_a, "sales"))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/activities/?page_size=200").status_code == 200
        return len(captured)

    log(tenant_a, subject="One", account=accounts["sales"])
    queries()  # the first request also notes when the token was last used
    few = queries()
    for n in range(10):
        log(tenant_a, subject=f"More {n}", account=accounts["sales"])
    assert queries() == few
