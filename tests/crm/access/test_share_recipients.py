"""A record shared with someone is theirs to read and edit, not to take: only
its owner, their managers, directors and admins may change its owner, delete it,
or merge it (away, or another record into it, which would move that record's
shares onto it). The rule is crm.access.ownership's, enforced by the record
services, so the API and the pages refuse alike (403 / an error on the page),
and nothing changes."""

import pytest
from django.test import Client

from crm.accounts.models import Account
from crm.accounts.sharing import share
from crm.contacts.models import Contact
from tests.crm.accounts.factories import account, contact
from tests.tenancy import api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db


def browser(tenant, who):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, who))
    return client


def shared_with_sales(tenant, record):
    """`record` (sales2's) shared by sales2 with sales."""
    with in_tenant(tenant):
        share(record=record, by=user_of(tenant, "sales2"), users=[user_of(tenant, "sales")])
    return record


def owner_of(tenant, model, pk):
    with in_tenant(tenant):
        return model.objects.get(pk=pk).owner_id


def exists(tenant, model, pk):
    with in_tenant(tenant):
        return model.objects.filter(pk=pk).exists()


# API ---------------------------------------------------------------------------


def test_a_share_recipient_cannot_make_a_shared_account_theirs(tenant_a):
    shared = shared_with_sales(tenant_a, account(tenant_a, "Taken Over Co", owner="sales2"))
    sales = user_of(tenant_a, "sales")
    response = api_client(tenant_a, sales).patch(f"/api/v1/accounts/{shared.pk}/", {"owner": sales.pk}, format="json")
    assert response.status_code == 403 and "detail" in response.json()
    assert owner_of(tenant_a, Account, shared.pk) == user_of(tenant_a, "sales2").pk
    owner = api_client(tenant_a, user_of(tenant_a, "sales2"))
    assert owner.get(f"/api/v1/accounts/{shared.pk}/").status_code == 200


def test_a_share_recipient_cannot_make_a_shared_contact_theirs(tenant_a):
    shared = shared_with_sales(tenant_a, contact(tenant_a, "Taken", owner="sales2"))
    sales = user_of(tenant_a, "sales")
    response = api_client(tenant_a, sales).patch(f"/api/v1/contacts/{shared.pk}/", {"owner": sales.pk}, format="json")
    assert response.status_code == 403
    assert owner_of(tenant_a, Contact, shared.pk) == user_of(tenant_a, "sales2").pk


def test_a_share_recipient_still_edits_the_ordinary_fields_of_a_shared_account(tenant_a):
    shared = shared_with_sales(tenant_a, account(tenant_a, "Edited Together Co", owner="sales2"))
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.patch(
        f"/api/v1/accounts/{shared.pk}/",
        {"industry": "Mining", "owner": user_of(tenant_a, "sales2").pk},  # the owner as it is: no change
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["industry"] == "Mining"


def test_the_owners_manager_may_still_give_the_account_to_another_member(tenant_a):
    mine = account(tenant_a, "Reassigned Co", owner="sales")
    director = api_client(tenant_a, user_of(tenant_a, "director"))
    sales2 = user_of(tenant_a, "sales2")
    response = director.patch(f"/api/v1/accounts/{mine.pk}/", {"owner": sales2.pk}, format="json")
    assert response.status_code == 200
    assert owner_of(tenant_a, Account, mine.pk) == sales2.pk


@pytest.mark.parametrize(("path", "model", "make"), [("accounts", Account, account), ("contacts", Contact, contact)])
def test_a_share_recipient_cannot_delete_a_shared_record(tenant_a, path, model, make):
    shared = shared_with_sales(tenant_a, make(tenant_a, "Kept", owner="sales2"))
    response = api_client(tenant_a, user_of(tenant_a, "sales")).delete(f"/api/v1/{path}/{shared.pk}/")
    assert response.status_code == 403
    assert exists(tenant_a, model, shared.pk)


def test_a_share_recipient_cannot_merge_the_owners_account_into_their_own(tenant_a):
    shared = shared_with_sales(tenant_a, account(tenant_a, "Swallowed Co", owner="sales2"))
    theirs = contact(tenant_a, "Stays", owner="sales2", account=shared)
    mine = account(tenant_a, "Swallowed Co Ltd", owner="sales")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(f"/api/v1/accounts/{mine.pk}/merge/", {"other": shared.pk}, format="json")
    assert response.status_code == 403
    assert exists(tenant_a, Account, shared.pk)
    with in_tenant(tenant_a):
        assert Contact.objects.get(pk=theirs.pk).account_id == shared.pk


def test_a_share_recipient_cannot_merge_their_own_account_into_the_shared_one(tenant_a):
    # It would also move the shares of their account onto the owner's.
    shared = shared_with_sales(tenant_a, account(tenant_a, "Receiving Co", owner="sales2"))
    mine = account(tenant_a, "Receiving Co Ltd", owner="sales")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(f"/api/v1/accounts/{shared.pk}/merge/", {"other": mine.pk}, format="json")
    assert response.status_code == 403
    assert exists(tenant_a, Account, mine.pk)


def test_a_share_recipient_cannot_merge_a_shared_contact_either_way(tenant_a):
    shared = shared_with_sales(tenant_a, contact(tenant_a, "Shared Sam", owner="sales2"))
    mine = contact(tenant_a, "Own Sam", owner="sales")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    into_mine = client.post(f"/api/v1/contacts/{mine.pk}/merge/", {"other": shared.pk}, format="json")
    into_shared = client.post(f"/api/v1/contacts/{shared.pk}/merge/", {"other": mine.pk}, format="json")
    assert (into_mine.status_code, into_shared.status_code) == (403, 403)
    assert exists(tenant_a, Contact, shared.pk) and exists(tenant_a, Contact, mine.pk)


# Pages -------------------------------------------------------------------------


def test_a_share_recipient_cannot_make_a_shared_account_theirs_on_its_edit_page(tenant_a):
    shared = shared_with_sales(tenant_a, account(tenant_a, "Page Taken Co", owner="sales2"))
    sales = user_of(tenant_a, "sales")
    response = browser(tenant_a, "sales").post(
        f"/accounts/{shared.pk}/edit/", {"name": "Page Taken Co", "owner": sales.pk}
    )
    assert response.status_code == 400
    assert "Only the owner, their managers and directors may change the owner" in response.content.decode()
    assert owner_of(tenant_a, Account, shared.pk) == user_of(tenant_a, "sales2").pk


def test_a_share_recipient_cannot_make_a_shared_contact_theirs_on_its_edit_page(tenant_a):
    shared = shared_with_sales(tenant_a, contact(tenant_a, "Paige", owner="sales2"))
    sales = user_of(tenant_a, "sales")
    page = browser(tenant_a, "sales")
    response = page.post(f"/contacts/{shared.pk}/edit/", {"first_name": "Paige", "owner": sales.pk})
    assert response.status_code == 400
    assert owner_of(tenant_a, Contact, shared.pk) == user_of(tenant_a, "sales2").pk


def test_a_share_recipient_still_edits_a_shared_account_on_its_page(tenant_a):
    shared = shared_with_sales(tenant_a, account(tenant_a, "Page Shared Co", owner="sales2"))
    response = browser(tenant_a, "sales").post(
        f"/accounts/{shared.pk}/edit/", {"name": "Page Shared Co", "industry": "Retail"}
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert Account.objects.get(pk=shared.pk).industry == "Retail"
    assert owner_of(tenant_a, Account, shared.pk) == user_of(tenant_a, "sales2").pk


def test_a_share_recipient_cannot_merge_a_shared_account_either_way_on_the_merge_page(tenant_a):
    shared = shared_with_sales(tenant_a, account(tenant_a, "Page Merge Co", owner="sales2"))
    mine = account(tenant_a, "Page Merge Co Ltd", owner="sales")
    client = browser(tenant_a, "sales")
    into_mine = client.post(f"/accounts/{mine.pk}/merge/", {"other": shared.pk}, follow=True)
    into_shared = client.post(f"/accounts/{shared.pk}/merge/", {"other": mine.pk}, follow=True)
    assert "Only the owner, their managers and directors may merge" in into_mine.content.decode()
    assert "Only the owner, their managers and directors may merge" in into_shared.content.decode()
    assert exists(tenant_a, Account, shared.pk) and exists(tenant_a, Account, mine.pk)
