import pytest

from tests.crm.accounts.factories import account, contact
from tests.tenancy import api_client, user_of

pytestmark = pytest.mark.django_db


def test_watching_an_account_puts_it_on_the_watch_list(tenant_a):
    watched, other = account(tenant_a, "Key Customer"), account(tenant_a, "Ordinary")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert client.post(f"/api/v1/accounts/{watched.pk}/watch/").json()["watched"] is True
    ids = {row["id"] for row in client.get("/api/v1/accounts/?watched=true&page_size=200").json()["results"]}
    assert watched.pk in ids and other.pk not in ids
    assert client.delete(f"/api/v1/accounts/{watched.pk}/watch/").status_code == 204
    assert client.get(f"/api/v1/accounts/{watched.pk}/").json()["watched"] is False


def test_watch_lists_are_per_user(tenant_a):
    watched = account(tenant_a, "Watched by one", owner="manager")
    api_client(tenant_a, user_of(tenant_a, "manager")).post(f"/api/v1/accounts/{watched.pk}/watch/")
    director = api_client(tenant_a, user_of(tenant_a, "director"))
    assert director.get(f"/api/v1/accounts/{watched.pk}/").json()["watched"] is False


def test_a_sales_user_sees_an_account_shared_with_them_and_no_other(tenant_a):
    shared, unshared = account(tenant_a, "Shared", owner="sales2"), account(tenant_a, "Unshared", owner="sales2")
    sales = user_of(tenant_a, "sales")
    owner_client = api_client(tenant_a, user_of(tenant_a, "sales2"))
    response = owner_client.post(f"/api/v1/accounts/{shared.pk}/share/", {"users": [sales.pk]}, format="json")
    assert response.status_code == 200 and response.json() == {"users": [sales.pk]}
    client = api_client(tenant_a, sales)
    assert client.get(f"/api/v1/accounts/{shared.pk}/").status_code == 200
    assert client.get(f"/api/v1/accounts/{unshared.pk}/").status_code == 404
    ids = {row["id"] for row in client.get("/api/v1/accounts/?page_size=200").json()["results"]}
    assert shared.pk in ids and unshared.pk not in ids
    owner_client.post(f"/api/v1/accounts/{shared.pk}/unshare/", {"users": [sales.pk]}, format="json")
    assert client.get(f"/api/v1/accounts/{shared.pk}/").status_code == 404


def test_someone_a_record_is_shared_with_cannot_share_it_further(tenant_a):
    shared = account(tenant_a, "Shared Once", owner="sales2")
    api_client(tenant_a, user_of(tenant_a, "sales2")).post(
        f"/api/v1/accounts/{shared.pk}/share/", {"users": [user_of(tenant_a, "sales").pk]}, format="json"
    )
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(
        f"/api/v1/accounts/{shared.pk}/share/", {"users": [user_of(tenant_a, "manager").pk]}, format="json"
    )
    assert response.status_code == 403


def test_sharing_someone_elses_account_is_404(tenant_a):
    theirs = account(tenant_a, "Not mine to share", owner="sales2")
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(
        f"/api/v1/accounts/{theirs.pk}/share/", {"users": [user_of(tenant_a, "sales").pk]}, format="json"
    )
    assert response.status_code == 404


def test_contacts_are_shared_the_same_way(tenant_a):
    person = contact(tenant_a, "Shared Person", owner="sales2")
    sales = user_of(tenant_a, "sales")
    client = api_client(tenant_a, sales)
    assert client.get(f"/api/v1/contacts/{person.pk}/").status_code == 404
    api_client(tenant_a, user_of(tenant_a, "sales2")).post(
        f"/api/v1/contacts/{person.pk}/share/", {"users": [sales.pk]}, format="json"
    )
    assert client.get(f"/api/v1/contacts/{person.pk}/").status_code == 200
    history = client.get(f"/api/v1/contacts/{person.pk}/history/").json()["results"]
    assert history[0]["action"] == "contact.shared"


def test_a_contact_relates_to_several_accounts_with_roles(tenant_a):
    first, second = account(tenant_a, "Primary Co"), account(tenant_a, "Board Co")
    person = contact(tenant_a, "Multi", account=first)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(
        f"/api/v1/contacts/{person.pk}/accounts/", {"account": second.pk, "role": "influencer"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["accounts"] == [
        {"account": first.pk, "role": "", "is_primary": True},
        {"account": second.pk, "role": "influencer", "is_primary": False},
    ]
    related = client.get(f"/api/v1/contacts/?related_account={second.pk}").json()["results"]
    assert [row["id"] for row in related] == [person.pk]
    assert client.delete(f"/api/v1/contacts/{person.pk}/accounts/{second.pk}/").status_code == 204
    assert client.delete(f"/api/v1/contacts/{person.pk}/accounts/{second.pk}/").status_code == 404
