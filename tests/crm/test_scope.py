import pytest

from crm.accounts.services import create_account
from crm.contacts.services import create_contact
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(tenant_a):
    with in_tenant(tenant_a):
        admin = user_of(tenant_a, "admin")
        mine = create_account(by=admin, name="Sales One's", owner=user_of(tenant_a, "sales"))
        theirs = create_account(by=admin, name="Sales Two's", owner=user_of(tenant_a, "sales2"))
    return mine, theirs


def test_sales_user_cannot_read_or_change_another_owners_account(tenant_a, accounts):
    mine, theirs = accounts
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert client.get(f"/api/v1/accounts/{mine.pk}/").status_code == 200
    for response in (
        client.get(f"/api/v1/accounts/{theirs.pk}/"),
        client.patch(f"/api/v1/accounts/{theirs.pk}/", {"name": "x"}, format="json"),
        client.delete(f"/api/v1/accounts/{theirs.pk}/"),
    ):
        assert response.status_code == 404
        assert set(response.json()) == {"detail"}


def test_out_of_scope_and_missing_look_the_same(tenant_a, accounts):
    _, theirs = accounts
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert client.get(f"/api/v1/accounts/{theirs.pk}/").json() == client.get("/api/v1/accounts/999999/").json()


def test_sales_list_and_search_show_only_their_own(tenant_a, accounts):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    names = {row["name"] for row in client.get("/api/v1/accounts/?page_size=200").json()["results"]}
    assert "Sales One's" in names and "Sales Two's" not in names
    assert client.get("/api/v1/accounts/?search=Two").json()["count"] == 0


def test_director_sees_everyones_accounts(tenant_a, accounts):
    client = api_client(tenant_a, user_of(tenant_a, "director"))
    names = {row["name"] for row in client.get("/api/v1/accounts/?page_size=200").json()["results"]}
    assert {"Sales One's", "Sales Two's"} <= names


def test_owner_defaults_to_the_caller(tenant_a):
    sales = user_of(tenant_a, "sales")
    response = api_client(tenant_a, sales).post("/api/v1/accounts/", {"name": "New Co"}, format="json")
    assert response.status_code == 201
    assert response.json()["owner"] == sales.pk


def test_sales_cannot_give_a_record_to_someone_else(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(
        "/api/v1/accounts/", {"name": "Gift", "owner": user_of(tenant_a, "sales2").pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"owner": ["You can only assign records to yourself."]}


def test_sales_cannot_link_a_contact_to_an_account_they_cannot_see(tenant_a, accounts):
    _, theirs = accounts
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    hidden = client.post("/api/v1/contacts/", {"first_name": "Eve", "account": theirs.pk}, format="json")
    missing = client.post("/api/v1/contacts/", {"first_name": "Eve", "account": 999999}, format="json")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["account"][0].replace(str(theirs.pk), "N") == missing.json()["account"][0].replace(
        "999999", "N"
    )


def test_filtering_contacts_by_a_hidden_account_looks_like_a_missing_one(tenant_a, accounts):
    _, theirs = accounts
    with in_tenant(tenant_a):
        create_contact(
            by=user_of(tenant_a, "admin"), first_name="Zed", account=theirs, owner=user_of(tenant_a, "sales2")
        )
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert client.get(f"/api/v1/contacts/?account={theirs.pk}").status_code == 400
    assert client.get("/api/v1/contacts/?account=999999").status_code == 400


def test_every_write_leaves_an_audit_row(tenant_a):
    from crm.audit.models import AuditEvent

    client = api_client(tenant_a, user_of(tenant_a, "admin"))
    account = client.post("/api/v1/accounts/", {"name": "Audited"}, format="json").json()
    client.patch(f"/api/v1/accounts/{account['id']}/", {"name": "Audited Ltd"}, format="json")
    client.delete(f"/api/v1/accounts/{account['id']}/")
    with in_tenant(tenant_a):
        events = list(
            AuditEvent.objects.filter(target_type="accounts.account", target_id=account["id"])
            .order_by("id")
            .values_list("action", "payload")
        )
    assert [action for action, _ in events] == ["account.created", "account.updated", "account.deleted"]
    assert events[1][1] == {"name": ["Audited", "Audited Ltd"]}
