"""List pages cost the same number of queries whatever their length: no query
per row (ARCHITECTURE.md habit 15). Each test lists 5 records, then 50, with
their related records filled in (owner, accounts, contacts, comments), and
compares the queries of the two requests."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm.accounts.services import create_account
from crm.activities.services import comment_on_activity, log_activity
from crm.contacts.services import create_contact, link_account
from crm.deals.services import create_deal
from crm.leads.services import create_lead
from tests.tenancy import api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db


def _account(tenant, owner, i):
    return create_account(by=user_of(tenant, "admin"), name=f"Counted {i} Ltd", owner=owner)


def make_accounts(tenant, owner, start, stop):
    for i in range(start, stop):
        _account(tenant, owner, i)


def make_contacts(tenant, owner, start, stop):
    admin = user_of(tenant, "admin")
    for i in range(start, stop):
        contact = create_contact(
            by=admin, first_name="Ann", last_name=f"Counted {i}", account=_account(tenant, owner, i), owner=owner
        )
        link_account(contact=contact, account=_account(tenant, owner, f"{i}b"), by=admin, role="user")


def make_deals(tenant, owner, start, stop):
    admin = user_of(tenant, "admin")
    for i in range(start, stop):
        account = _account(tenant, owner, i)
        person = create_contact(by=admin, first_name="Bo", last_name=f"Counted {i}", account=account, owner=owner)
        create_deal(
            by=admin,
            name=f"Counted deal {i}",
            account=account,
            contacts=[person],
            amount=Decimal("100.00"),
            owner=owner,
        )


def make_leads(tenant, owner, start, stop):
    for i in range(start, stop):
        create_lead(
            by=user_of(tenant, "admin"), first_name="Lee", last_name=f"Counted {i}", company=f"Co {i}", owner=owner
        )


def make_activities(tenant, owner, start, stop):
    admin = user_of(tenant, "admin")
    for i in range(start, stop):
        account = _account(tenant, owner, i)
        person = create_contact(by=admin, first_name="Cy", last_name=f"Counted {i}", account=account, owner=owner)
        activity = log_activity(
            by=admin, kind="call", subject=f"Counted call {i}", account=account, contact=person, owner=owner
        )
        comment_on_activity(activity=activity, by=admin, body="Well done")


def queries_of(client, url):
    """The queries one GET runs, after a first one has warmed the path (a token's
    first use in a while also records when it was used)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response, [query["sql"] for query in captured.captured_queries]


def browser(tenant, local):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, local))
    return client


API_LISTS = [
    ("contacts", make_contacts),
    ("accounts", make_accounts),
    ("deals", make_deals),
    ("leads", make_leads),
    ("activities", make_activities),
]


@pytest.mark.parametrize("role", ["sales", "admin"])
@pytest.mark.parametrize(("resource", "make"), API_LISTS, ids=[resource for resource, _make in API_LISTS])
def test_an_api_list_of_50_rows_runs_as_many_queries_as_one_of_5(tenant_a, resource, make, role):
    sales = user_of(tenant_a, "sales")
    client = api_client(tenant_a, user_of(tenant_a, role))
    url = f"/api/v1/{resource}/?page_size=200&search=Counted"
    with in_tenant(tenant_a):
        make(tenant_a, sales, 0, 5)
    five, few_queries = queries_of(client, url)
    with in_tenant(tenant_a):
        make(tenant_a, sales, 5, 50)
    fifty, many_queries = queries_of(client, url)
    assert (len(five.json()["results"]), len(fifty.json()["results"])) == (5, 50)
    assert len(many_queries) == len(few_queries), "\n".join(many_queries)


UI_LISTS = [
    ("accounts", make_accounts),
    ("contacts", make_contacts),
]


@pytest.mark.parametrize("role", ["sales", "admin"])
@pytest.mark.parametrize(("page", "make"), UI_LISTS, ids=[page for page, _make in UI_LISTS])
def test_a_ui_list_page_runs_as_many_queries_for_50_rows_as_for_5(tenant_a, page, make, role):
    sales = user_of(tenant_a, "sales")
    client = browser(tenant_a, role)
    url = f"/{page}/?q=Counted"
    with in_tenant(tenant_a):
        make(tenant_a, sales, 0, 5)
    five, few_queries = queries_of(client, url)
    with in_tenant(tenant_a):
        make(tenant_a, sales, 5, 50)
    fifty, many_queries = queries_of(client, url)
    # A full page (50 rows, more than one page of them) against a short one.
    assert five.content.count(b"Counted") < fifty.content.count(b"Counted")
    assert len(many_queries) == len(few_queries), "\n".join(many_queries)
