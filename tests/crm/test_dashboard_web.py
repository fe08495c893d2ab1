"""The home page's cards about the user's own work: their follow-ups due today
(in the time zone of the request) and their open deals by stage, with the
amounts only for a role that may read them."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from crm.access.services import set_module_visibility, set_sensitive_field
from crm.teams.models import Team, TeamMembership
from crm.users.models import User
from tests.conftest import in_tenant, user_of
from tests.crm.accounts.factories import account, contact
from tests.crm.accounts.test_web import browser
from tests.crm.activities.factories import log
from tests.crm.deals.factories import make_deal

pytestmark = pytest.mark.django_db


def plan(tenant, record, on, owner="sales"):
    """A call on `record` (an account or a contact) planning the next contact `on`."""
    field = "account" if record._meta.model_name == "account" else "contact"
    log(tenant, by_local="admin", owner=user_of(tenant, owner), next_contact_at=on, **{field: record})


def section(page, testid):
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def team(tenant_a):
    with in_tenant(tenant_a):
        team = Team.objects.create(name="Dash", manager=user_of(tenant_a, "manager"))
        TeamMembership.objects.create(user=user_of(tenant_a, "sales"), team=team)
    return team


def test_home_lists_my_follow_ups_due_today_and_not_others_or_other_days(tenant_a, team):
    today = timezone.localdate()
    plan(tenant_a, account(tenant_a, "Due Today Ltd", owner="sales"), today)
    plan(tenant_a, contact(tenant_a, "Dora", last_name="Duetoday", owner="sales"), today)
    plan(tenant_a, account(tenant_a, "Due Tomorrow Ltd", owner="sales"), today + datetime.timedelta(days=1))
    plan(tenant_a, account(tenant_a, "Overdue Ltd", owner="sales"), today - datetime.timedelta(days=1))
    plan(tenant_a, account(tenant_a, "Colleague Today Ltd", owner="sales2"), today, owner="sales2")

    response = browser(tenant_a, "sales").get("/")

    assert response.status_code == 200
    assert response.context["followups_today"] == 2
    card = section(response.content.decode(), "followups-today")
    assert "Due Today Ltd" in card and "Dora Duetoday" in card
    for other in ("Due Tomorrow Ltd", "Overdue Ltd", "Colleague Today Ltd"):
        assert other not in card


def test_a_managers_follow_ups_today_are_their_own_not_their_teams(tenant_a, team):
    plan(tenant_a, account(tenant_a, "Member Due Ltd", owner="sales"), timezone.localdate())

    response = browser(tenant_a, "manager").get("/")

    assert response.context["followups_today"] == 0
    assert response.context["followups"] == []
    assert 'data-testid="followups-today"' not in response.content.decode()


def test_today_is_the_date_in_the_time_zone_of_the_request(tenant_a):
    # 20:00 UTC is already tomorrow in Shanghai (UTC+8).
    instant = datetime.datetime.combine(datetime.date.today(), datetime.time(20), tzinfo=datetime.UTC)
    utc_day = instant.date()
    shanghai_day = utc_day + datetime.timedelta(days=1)
    plan(tenant_a, account(tenant_a, "Shanghai Today Ltd"), shanghai_day)
    plan(tenant_a, account(tenant_a, "Utc Today Ltd"), utc_day)
    client = browser(tenant_a, "sales")
    with in_tenant(tenant_a):
        # The user's own zone (tenants.time_zones decides it per request).
        User.objects.filter(pk=user_of(tenant_a, "sales").pk).update(time_zone="Asia/Shanghai")

    with mock.patch("django.utils.timezone.now", return_value=instant):
        page = client.get("/").content.decode()

    card = section(page, "followups-today")
    assert "Shanghai Today Ltd" in card and "Utc Today Ltd" not in card


def test_home_shows_my_open_deals_grouped_by_stage_with_totals(tenant_a, team):
    make_deal(tenant_a, "sales", name="Alpha", amount="1000.00", stage="Qualification")
    make_deal(tenant_a, "sales", name="Beta", amount="250.50", stage="Qualification")
    make_deal(tenant_a, "sales", name="Gamma", amount="4000.00", stage="Proposal")
    make_deal(tenant_a, "sales2", name="Colleague's", amount="99999.00", stage="Negotiation")

    response = browser(tenant_a, "sales").get("/")

    columns = {str(c["stage"]): (c["count"], list(c["totals"].values())) for c in response.context["deals_by_stage"]}
    assert columns == {"Qualification": (2, [Decimal("1250.50")]), "Proposal": (1, [Decimal("4000.00")])}
    card = section(response.content.decode(), "deals-by-stage")
    assert "Qualification" in card and "Proposal" in card and "Negotiation" not in card
    assert "1,250.50" in card and "4,000.00" in card
    assert response.context["deal_summary"]["open_count"] == 3


def test_a_manager_sees_only_their_own_open_deals_on_the_home_page(tenant_a, team):
    make_deal(tenant_a, "sales", name="Member deal", amount="700.00", stage="Negotiation")

    response = browser(tenant_a, "manager").get("/")

    assert response.context["deals_by_stage"] == []
    assert response.context["deal_summary"]["open_count"] == 0
    assert 'data-testid="deals-by-stage"' not in response.content.decode()


def test_a_role_with_deal_amounts_masked_sees_counts_not_sums(tenant_a):
    make_deal(tenant_a, "sales", name="Secret sum", amount="31337.00", stage="Proposal")
    with in_tenant(tenant_a):
        set_sensitive_field(by=user_of(tenant_a, "admin"), module="deals", field="amount", hidden_from=["sales"])

    response = browser(tenant_a, "sales").get("/")

    column = response.context["deals_by_stage"][0]
    assert (str(column["stage"]), column["count"], column["totals"]) == ("Proposal", 1, {})
    assert response.context["deal_summary"]["totals"] == {}
    page = response.content.decode()
    assert "31,337" not in page and "31337" not in page
    assert "••••••" in section(page, "deals-by-stage")


def test_follow_ups_of_a_module_hidden_from_the_role_are_left_out(tenant_a):
    today = timezone.localdate()
    plan(tenant_a, account(tenant_a, "Hidden Module Ltd", owner="sales"), today)
    plan(tenant_a, contact(tenant_a, "Vera", last_name="Visible", owner="sales"), today)
    with in_tenant(tenant_a):
        set_module_visibility(by=user_of(tenant_a, "admin"), role="sales", module="accounts", hidden=True)

    response = browser(tenant_a, "sales").get("/")

    card = section(response.content.decode(), "followups-today")
    assert "Vera Visible" in card and "Hidden Module Ltd" not in card
    assert response.context["followups_today"] == 1
