import pytest

from crm.accounts.models import Account
from crm.accounts.services import create_account
from crm.contacts.models import Contact
from crm.deals.models import Deal
from crm.leads import services
from crm.leads.models import Lead
from crm.teams.models import Team, TeamMembership
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def make_lead(tenant, owner_local="sales", **fields):
    fields = {
        "first_name": "Lin",
        "last_name": "Wei",
        "company": "Wei Trading",
        "email": "lin@wei.test",
        "phone": "+86 10 5555 0000",
        "source": "web",
        **fields,
    }
    with in_tenant(tenant):
        return services.create_lead(by=user_of(tenant, "admin"), owner=user_of(tenant, owner_local), **fields)


def counts(tenant):
    with in_tenant(tenant):
        return Account.objects.count(), Contact.objects.count(), Deal.objects.count()


def names(client):
    return {row["company"] for row in client.get("/api/v1/leads/?page_size=200").json()["results"]}


@pytest.fixture
def leads(tenant_a):
    return {who: make_lead(tenant_a, who, company=f"{who} lead") for who in ("sales", "sales2", "manager")}


def test_sales_sees_and_changes_only_their_own_leads(tenant_a, leads):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert names(client) == {"sales lead"}
    theirs = leads["sales2"]
    assert client.get(f"/api/v1/leads/{theirs.pk}/").status_code == 404
    assert client.patch(f"/api/v1/leads/{theirs.pk}/", {"company": "x"}, format="json").status_code == 404
    assert client.post(f"/api/v1/leads/{theirs.pk}/convert/", {}, format="json").status_code == 404
    with in_tenant(tenant_a):
        assert Lead.objects.get(pk=theirs.pk).company == "sales2 lead"


def test_manager_sees_their_teams_leads(tenant_a, leads):
    with in_tenant(tenant_a):
        team = Team.objects.create(name="Leads team", manager=user_of(tenant_a, "manager"))
        TeamMembership.objects.create(user=user_of(tenant_a, "sales2"), team=team)
    assert names(api_client(tenant_a, user_of(tenant_a, "manager"))) == {"sales2 lead", "manager lead"}


def test_director_sees_every_lead(tenant_a, leads):
    assert {"sales lead", "sales2 lead", "manager lead"} <= names(api_client(tenant_a, user_of(tenant_a, "director")))


def test_a_lead_of_one_tenant_is_not_found_on_anothers_host(tenant_a, tenant_b, leads):
    client = api_client(tenant_b, user_of(tenant_b, "admin"))
    assert client.get(f"/api/v1/leads/{leads['sales'].pk}/").status_code == 404


def test_a_lead_cannot_be_marked_converted_by_hand(tenant_a, leads):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.patch(f"/api/v1/leads/{leads['sales'].pk}/", {"status": "converted"}, format="json")
    assert response.status_code == 400 and "status" in response.json()


def test_converting_creates_one_account_contact_and_deal_and_links_them(tenant_a):
    lead = make_lead(tenant_a)
    before = counts(tenant_a)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(
        f"/api/v1/leads/{lead.pk}/convert/", {"create_deal": True, "amount": "800.00"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "converted"
    assert counts(tenant_a) == (before[0] + 1, before[1] + 1, before[2] + 1)
    with in_tenant(tenant_a):
        account = Account.objects.get(pk=body["converted_account"])
        contact = Contact.objects.get(pk=body["converted_contact"])
        deal = Deal.objects.get(pk=body["converted_deal"])
        assert account.name == "Wei Trading"
        assert (contact.first_name, contact.email, contact.account_id) == ("Lin", "lin@wei.test", account.pk)
        assert (deal.account_id, str(deal.amount), deal.source) == (account.pk, "800.00", "web")
        assert list(deal.contacts.all()) == [contact]
        assert {account.owner_id, contact.owner_id, deal.owner_id} == {user_of(tenant_a, "sales").pk}


def test_converting_copies_the_title_to_the_contact_and_the_source_to_the_account(tenant_a):
    lead = make_lead(tenant_a, title="Purchasing manager", source="web")
    body = (
        api_client(tenant_a, user_of(tenant_a, "sales"))
        .post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json")
        .json()
    )
    with in_tenant(tenant_a):
        assert Contact.objects.get(pk=body["converted_contact"]).title == "Purchasing manager"
        assert Account.objects.get(pk=body["converted_account"]).source == "website"
    assert body["not_copied"] == {}


def test_a_second_conversion_is_refused_and_changes_nothing(tenant_a):
    lead = make_lead(tenant_a)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    first = client.post(f"/api/v1/leads/{lead.pk}/convert/", {"create_deal": True}, format="json").json()
    # What the conversion left out is part of its answer, not of the lead.
    assert first.pop("not_copied") == {}
    before = counts(tenant_a)
    again = client.post(f"/api/v1/leads/{lead.pk}/convert/", {"create_deal": True}, format="json")
    assert again.status_code == 400
    assert counts(tenant_a) == before
    assert client.get(f"/api/v1/leads/{lead.pk}/").json() == first


def test_converting_onto_an_existing_account_reuses_it(tenant_a):
    lead = make_lead(tenant_a)
    with in_tenant(tenant_a):
        account = create_account(by=user_of(tenant_a, "sales"), name="Existing")
    before = counts(tenant_a)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    body = client.post(f"/api/v1/leads/{lead.pk}/convert/", {"account": account.pk}, format="json").json()
    assert (body["converted_account"], body["converted_deal"]) == (account.pk, None)
    assert counts(tenant_a) == (before[0], before[1] + 1, before[2])


def test_converting_onto_an_account_the_caller_cannot_see_changes_nothing(tenant_a):
    lead = make_lead(tenant_a)
    with in_tenant(tenant_a):
        hidden = create_account(by=user_of(tenant_a, "admin"), name="Hidden", owner=user_of(tenant_a, "sales2"))
    before = counts(tenant_a)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(
        f"/api/v1/leads/{lead.pk}/convert/", {"account": hidden.pk, "create_deal": True}, format="json"
    )
    assert response.status_code == 400 and "account" in response.json()
    assert counts(tenant_a) == before
    with in_tenant(tenant_a):
        assert Lead.objects.get(pk=lead.pk).status == "new"
