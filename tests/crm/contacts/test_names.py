"""People's names: a Chinese, Japanese or Korean name reads family name first
with no space, any other given name first; search finds a person by the whole
name in either order, with or without a space, in the lists, the global search
and the API."""

import pytest

from crm.access.services import set_sensitive_field
from crm.contacts.names import full_name
from tests.crm.accounts.factories import contact
from tests.crm.accounts.test_web import browser
from tests.crm.leads.test_leads import make_lead
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("伟", "李", "李伟"),
        ("Wei", "Li", "Wei Li"),
        ("太郎", "山田", "山田太郎"),
        ("タロウ", "ヤマダ", "ヤマダタロウ"),
        ("민준", "김", "김민준"),
        ("伟", "", "伟"),
        (" Ann ", "", "Ann"),
    ],
)
def test_a_name_reads_family_first_without_space_only_when_it_is_cjk(first, last, shown):
    assert full_name(first, last) == shown


def test_a_chinese_contact_reads_family_name_first_on_its_page_and_in_the_list(tenant_a):
    record = contact(tenant_a, "伟", last_name="李", owner="sales")
    assert str(record) == "李伟"
    client = browser(tenant_a, "sales")
    assert "李伟" in client.get(f"/contacts/{record.pk}/").content.decode()
    assert "伟 李" not in client.get("/contacts/").content.decode()


def test_a_chinese_lead_reads_family_name_first_on_its_page(tenant_a):
    lead = make_lead(tenant_a, first_name="伟", last_name="李", company="", email="")
    assert str(lead) == lead.full_name == "李伟"
    page = browser(tenant_a, "sales").get(f"/leads/{lead.pk}/").content.decode()
    assert "<h1>李伟</h1>" in page


@pytest.mark.parametrize("typed", ["李伟", "李 伟", "伟李", "伟 李"])
def test_the_contact_list_finds_a_chinese_name_typed_whole(tenant_a, typed):
    record = contact(tenant_a, "伟", last_name="李", owner="sales")
    contact(tenant_a, "伟", last_name="王", owner="sales")
    page = browser(tenant_a, "sales").get("/contacts/", {"q": typed}).content.decode()
    assert f"/contacts/{record.pk}/" in page
    assert "王伟" not in page


@pytest.mark.parametrize("typed", ["Wei Li", "Li Wei", "WeiLi", "wei li"])
def test_the_contact_list_finds_a_latin_name_in_either_order(tenant_a, typed):
    record = contact(tenant_a, "Wei", last_name="Li", owner="sales")
    page = browser(tenant_a, "sales").get("/contacts/", {"q": typed}).content.decode()
    assert f"/contacts/{record.pk}/" in page


def test_the_global_search_finds_a_chinese_contact_by_the_whole_name(tenant_a):
    record = contact(tenant_a, "伟", last_name="李", owner="sales")
    page = browser(tenant_a, "sales").get("/search/", {"q": "李伟"}).content.decode()
    assert f"/contacts/{record.pk}/" in page


@pytest.mark.parametrize("typed", ["李伟", "李 伟"])
def test_the_lead_list_finds_a_chinese_name_typed_whole(tenant_a, typed):
    lead = make_lead(tenant_a, first_name="伟", last_name="李", company="", email="")
    page = browser(tenant_a, "sales").get("/leads/", {"q": typed}).content.decode()
    assert f"/leads/{lead.pk}/" in page


@pytest.mark.parametrize("typed", ["李伟", "李 伟", "伟李"])
def test_the_contacts_api_search_finds_a_chinese_name_typed_whole(tenant_a, typed):
    record = contact(tenant_a, "伟", last_name="李", owner="sales")
    other = contact(tenant_a, "伟", last_name="王", owner="sales")
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/contacts/", {"search": typed})
    ids = [row["id"] for row in response.json()["results"]]
    assert record.pk in ids
    assert other.pk not in ids


def test_the_contacts_api_search_keeps_out_contacts_the_user_may_not_see(tenant_a):
    contact(tenant_a, "伟", last_name="李", owner="sales2")
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/contacts/", {"search": "李伟"})
    assert response.json()["count"] == 0


@pytest.mark.parametrize("typed", ["李伟", "Li Wei"])
def test_the_leads_api_search_finds_the_whole_name_in_either_order(tenant_a, typed):
    chinese = make_lead(tenant_a, first_name="伟", last_name="李", company="", email="")
    latin = make_lead(tenant_a, first_name="Wei", last_name="Li", company="", email="")
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/leads/", {"search": typed})
    ids = {row["id"] for row in response.json()["results"]}
    assert (chinese.pk in ids) == (typed == "李伟")
    assert (latin.pk in ids) == (typed == "Li Wei")


def test_a_masked_last_name_is_not_found_through_the_whole_name(tenant_a):
    with in_tenant(tenant_a):
        set_sensitive_field(by=user_of(tenant_a, "admin"), module="contacts", field="last_name", hidden_from=["sales"])
    record = contact(tenant_a, "伟", last_name="李", owner="sales")
    page = browser(tenant_a, "sales").get("/contacts/", {"q": "李伟"}).content.decode()
    assert f"/contacts/{record.pk}/" not in page
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/contacts/", {"search": "李伟"})
    assert response.json()["count"] == 0
    response = api_client(tenant_a, user_of(tenant_a, "admin")).get("/api/v1/contacts/", {"search": "李伟"})
    assert response.json()["count"] == 1
