from datetime import timedelta

import pytest
from django.utils import timezone

from crm.accounts.models import Account
from crm.activities.models import FollowUp
from tests.crm.activities.factories import at, log, make_account, make_contact
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(tenant_a):
    return make_account(tenant_a, "sales")


def follow_up(tenant, account):
    with in_tenant(tenant):
        return FollowUp.objects.filter(account=account).first()


def test_an_accounts_timeline_lists_its_activities_newest_first_including_its_contacts(tenant_a, account):
    today = timezone.localdate()
    ann = make_contact(tenant_a, "sales", account=account)
    log(tenant_a, subject="First call", account=account, occurred_at=at(today - timedelta(days=3)))
    log(tenant_a, kind="email", subject="E-mail to Ann", contact=ann, occurred_at=at(today - timedelta(days=1)))
    log(tenant_a, kind="note", subject="Note", account=account, occurred_at=at(today - timedelta(days=2)))
    log(tenant_a, subject="Elsewhere", account=make_account(tenant_a, "sales", name="Other"))
    client = api_client(tenant_a, user_of(tenant_a, "sales"))

    newest_first = client.get(f"/api/v1/activities/?account={account.pk}").json()["results"]
    assert [a["subject"] for a in newest_first] == ["E-mail to Ann", "Note", "First call"]
    oldest_first = client.get(f"/api/v1/activities/?account={account.pk}&ordering=occurred_at").json()["results"]
    assert [a["subject"] for a in oldest_first] == ["First call", "Note", "E-mail to Ann"]
    by_contact = client.get(f"/api/v1/activities/?contact={ann.pk}").json()["results"]
    assert [a["subject"] for a in by_contact] == ["E-mail to Ann"]


def test_an_activity_on_a_contact_goes_on_the_contacts_account_too(tenant_a, account):
    ann = make_contact(tenant_a, "sales", account=account)
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(
        "/api/v1/activities/", {"kind": "call", "subject": "Rang Ann", "contact": ann.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["account"] == account.pk


def test_a_given_next_contact_date_is_the_accounts_next_contact(tenant_a, account):
    day = timezone.localdate() + timedelta(days=5)
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(
        "/api/v1/activities/",
        {"kind": "call", "subject": "Call", "account": account.pk, "next_contact_at": day.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.content
    row = follow_up(tenant_a, account)
    assert row.next_contact_at == day and row.last_contact_at is not None
    with in_tenant(tenant_a):
        assert Account.objects.get(pk=account.pk).last_contacted_at == row.last_contact_at


def every(tenant, account, days):
    with in_tenant(tenant):
        Account.objects.filter(pk=account.pk).update(follow_up_days=days)
        return Account.objects.get(pk=account.pk)


def test_without_a_date_the_accounts_follow_up_frequency_plans_the_next_contact(tenant_a, account):
    account = every(tenant_a, account, 14)
    occurred = at(timezone.localdate() - timedelta(days=1))
    activity = log(tenant_a, kind="visit", subject="Visit", account=account, occurred_at=occurred)
    assert activity.next_contact_at == occurred.date() + timedelta(days=14)
    assert follow_up(tenant_a, account).next_contact_at == occurred.date() + timedelta(days=14)


def test_logging_through_the_api_uses_the_accounts_follow_up_frequency(tenant_a, account):
    every(tenant_a, account, 7)
    created = (
        api_client(tenant_a, user_of(tenant_a, "sales"))
        .post("/api/v1/activities/", {"kind": "call", "subject": "Call", "account": account.pk}, format="json")
        .json()
    )
    assert created["next_contact_at"] == (timezone.localdate() + timedelta(days=7)).isoformat()


def test_a_note_plans_nothing_even_with_a_follow_up_frequency(tenant_a, account):
    account = every(tenant_a, account, 7)
    assert log(tenant_a, kind="note", subject="Thoughts", account=account).next_contact_at is None


def test_a_note_is_not_a_contact(tenant_a, account):
    log(tenant_a, kind="note", subject="Thoughts", account=account)
    row = follow_up(tenant_a, account)
    assert row.last_contact_at is None and row.next_contact_at is None


def test_a_contact_without_a_new_date_fulfils_the_planned_one(tenant_a, account):
    today = timezone.localdate()
    log(tenant_a, subject="Call", account=account, occurred_at=at(today - timedelta(days=7)), next_contact_at=today)
    log(tenant_a, subject="Called again as planned", account=account, occurred_at=at(today))
    assert follow_up(tenant_a, account).next_contact_at is None


def test_deleting_the_latest_activity_restores_the_previous_follow_up(tenant_a, account):
    today = timezone.localdate()
    first = log(
        tenant_a,
        subject="Call",
        account=account,
        occurred_at=at(today - timedelta(days=7)),
        next_contact_at=today + timedelta(days=1),
    )
    latest = log(
        tenant_a, subject="Call 2", account=account, occurred_at=at(today), next_contact_at=today + timedelta(days=30)
    )
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert client.delete(f"/api/v1/activities/{latest.pk}/").status_code == 204
    row = follow_up(tenant_a, account)
    assert row.next_contact_at == today + timedelta(days=1) and row.last_contact_at == first.occurred_at
