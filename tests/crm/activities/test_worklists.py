from datetime import timedelta

import pytest
from django.utils import timezone

from tests.crm.activities.factories import at, log, make_account
from tests.tenancy import api_client, user_of

pytestmark = pytest.mark.django_db


def names(tenant, worklist, who="sales", query=""):
    response = api_client(tenant, user_of(tenant, who)).get(f"/api/v1/worklists/{worklist}/?page_size=200{query}")
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def planned(tenant_a, today):
    """Accounts of sales with a next contact yesterday, today, tomorrow and in 8 days."""
    past = at(today - timedelta(days=1))
    for name, offset in (("Yesterday", -1), ("Today", 0), ("Tomorrow", 1), ("Next week", 8)):
        log(
            tenant_a,
            subject="Call",
            account=make_account(tenant_a, "sales", name=name),
            occurred_at=past,
            next_contact_at=today + timedelta(days=offset),
        )


def test_today_lists_accounts_due_today_but_not_yesterdays(tenant_a, planned):
    assert names(tenant_a, "today") == ["Today"]


def test_overdue_lists_accounts_due_before_today_but_not_todays(tenant_a, planned):
    assert names(tenant_a, "overdue") == ["Yesterday"]


def test_this_week_runs_from_today_to_sunday(tenant_a, planned, today):
    expected = ["Today", "Tomorrow"] if today.weekday() < 6 else ["Today"]
    assert names(tenant_a, "this_week") == expected


def test_not_contacted_recently_lists_accounts_last_contacted_before_the_cut_off(tenant_a, today):
    log(
        tenant_a,
        subject="Long ago",
        account=make_account(tenant_a, name="Cold"),
        occurred_at=at(today - timedelta(days=31)),
    )
    log(
        tenant_a,
        subject="Lately",
        account=make_account(tenant_a, name="Warm"),
        occurred_at=at(today - timedelta(days=10)),
    )
    make_account(tenant_a, name="Never")
    assert names(tenant_a, "not_contacted_recently") == ["Cold"]
    assert names(tenant_a, "not_contacted_recently", query="&days=5") == ["Cold", "Warm"]


def test_not_contacted_recently_refuses_a_nonsense_number_of_days(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    for days in ("0", "-3", "many", "99999999"):
        response = client.get(f"/api/v1/worklists/not_contacted_recently/?days={days}")
        assert response.status_code == 400 and "days" in response.json()


def test_never_contacted_lists_accounts_with_no_contact_yet_notes_notwithstanding(tenant_a):
    log(tenant_a, kind="note", subject="Only a note", account=make_account(tenant_a, name="Noted"))
    log(tenant_a, subject="Call", account=make_account(tenant_a, name="Called"))
    make_account(tenant_a, name="Untouched")
    assert names(tenant_a, "never_contacted") == ["Noted", "Untouched"]


def test_worklists_leave_out_accounts_out_of_scope(tenant_a, today):
    log(
        tenant_a,
        "sales2",
        subject="Call",
        account=make_account(tenant_a, "sales2", name="Theirs"),
        next_contact_at=today,
    )
    make_account(tenant_a, "sales2", name="Their untouched")
    assert names(tenant_a, "today") == []
    assert names(tenant_a, "never_contacted") == []
    assert "Theirs" in names(tenant_a, "today", who="director")


def test_an_unknown_worklist_is_not_found(tenant_a):
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/worklists/someday/")
    assert response.status_code == 404
