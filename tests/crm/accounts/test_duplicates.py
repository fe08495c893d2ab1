import pytest

from crm.accounts.models import Account
from crm.contacts.models import Contact
from tests.crm.accounts.factories import account, contact
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def test_creating_an_account_like_a_visible_one_warns_and_saves_nothing(tenant_a):
    existing = account(tenant_a, "Globex Corporation", phone="+1 555 0100 200")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post("/api/v1/accounts/", {"name": "GLOBEX corp."}, format="json")
    assert response.status_code == 409
    assert response.json()["duplicates"] == [existing.pk]
    assert response.json()["detail"]
    with in_tenant(tenant_a):
        assert Account.objects.filter(name="GLOBEX corp.").count() == 0


def test_force_saves_a_look_alike_anyway(tenant_a):
    account(tenant_a, "Globex Corporation")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post("/api/v1/accounts/?force=true", {"name": "GLOBEX corp."}, format="json")
    assert response.status_code == 201


def test_a_phone_or_email_match_is_a_duplicate_too(tenant_a):
    existing = account(tenant_a, "Initech", phone="+44 20 7946 0001", email="info@initech.test")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    by_phone = client.post("/api/v1/accounts/", {"name": "Other", "phone": "020 7946 0001"}, format="json")
    by_email = client.post("/api/v1/accounts/", {"name": "Other 2", "email": "INFO@initech.test"}, format="json")
    assert by_phone.status_code == by_email.status_code == 409
    assert by_phone.json()["duplicates"] == by_email.json()["duplicates"] == [existing.pk]


def test_duplicates_the_caller_cannot_see_are_neither_reported_nor_blocking(tenant_a):
    account(tenant_a, "Hidden Corp", owner="sales2")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert client.get("/api/v1/accounts/duplicates/?name=hidden corp").json() == []
    assert client.post("/api/v1/accounts/", {"name": "Hidden Corp"}, format="json").status_code == 201


def test_duplicates_endpoint_lists_candidates_with_what_matched(tenant_a):
    existing = account(tenant_a, "Umbrella Ltd", email="x@umbrella.test")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    found = client.get("/api/v1/accounts/duplicates/", {"name": "umbrella", "email": "X@umbrella.test"}).json()
    assert found == [
        {
            "id": existing.pk,
            "name": "Umbrella Ltd",
            "owner": user_of(tenant_a, "sales").pk,
            "matched_on": ["name", "email"],
        }
    ]


def test_creating_a_contact_like_a_visible_one_warns(tenant_a):
    existing = contact(tenant_a, "Ann", last_name="Lee", email="ann.lee@example.test")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post("/api/v1/contacts/", {"first_name": "Other", "email": "Ann.Lee@example.test"}, format="json")
    assert response.status_code == 409
    assert response.json()["duplicates"] == [existing.pk]
    assert (
        client.post(
            "/api/v1/contacts/?force=true", {"first_name": "Other", "email": "Ann.Lee@example.test"}, format="json"
        ).status_code
        == 201
    )
    found = client.get("/api/v1/contacts/duplicates/?first_name=ann&last_name=LEE").json()
    assert [row["id"] for row in found] == [existing.pk]


def test_a_contacts_company_name_reuses_the_visible_account_of_that_name(tenant_a):
    existing = account(tenant_a, "Wayne Enterprises Inc")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(
        "/api/v1/contacts/", {"first_name": "Bruce", "company_name": "wayne enterprises"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["account"] == existing.pk
    assert response.json()["accounts"] == [{"account": existing.pk, "role": "", "is_primary": True}]


def test_a_contacts_company_name_creates_a_prospect_account_when_there_is_none(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post("/api/v1/contacts/", {"first_name": "Lex", "company_name": "LexCorp"}, format="json")
    assert response.status_code == 201
    with in_tenant(tenant_a):
        created = Account.objects.get(pk=response.json()["account"])
    assert (created.name, created.status, created.owner_id) == ("LexCorp", "prospect", user_of(tenant_a, "sales").pk)


def test_an_account_can_create_its_first_contact(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(
        "/api/v1/accounts/",
        {
            "name": "Stark Industries",
            "primary_contact": {
                "first_name": "Pepper",
                "last_name": "Potts",
                "email": "pepper@stark.test",
                "role": "decision_maker",
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    with in_tenant(tenant_a):
        person = Contact.objects.get(email="pepper@stark.test")
        assert person.account_id == response.json()["id"]
        assert person.role == "decision_maker"


def test_an_accounts_first_contact_reuses_a_visible_contact_with_that_email(tenant_a):
    existing = contact(tenant_a, "Pepper", email="pepper@potts.test")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(
        "/api/v1/accounts/",
        {"name": "Rand Corp", "primary_contact": {"first_name": "P", "email": "Pepper@potts.test"}},
        format="json",
    )
    assert response.status_code == 201
    with in_tenant(tenant_a):
        assert Contact.objects.filter(email__iexact="pepper@potts.test").count() == 1
        existing.refresh_from_db()
        assert existing.account_id == response.json()["id"]
