"""Typeahead pickers: a form that chooses an account, contact, deal or lead asks
/pick/<kind>/?q= as the user types, instead of listing every record. The
answer holds only records in the user's scope (never another salesperson's,
never another tenant's), found by name in either order or by phone, each with
what tells namesakes apart, and masked fields stay masked. The form still
refuses an id out of scope, and a page stays small however many contacts
there are."""

import re

import pytest

from crm.access.services import set_module_visibility
from crm.builder import services as builder_services
from crm.contacts.models import Contact
from crm.deals.models import Deal
from crm.leads.models import Lead
from tests.crm.accounts.factories import account, contact, foreign_account
from tests.crm.accounts.test_web import browser
from tests.crm.deals.factories import make_deal
from tests.crm.leads.test_leads import make_lead
from tests.crm.test_masking_web import hide
from tests.crm.test_query_counts import make_accounts, make_contacts, make_deals, make_leads, queries_of
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db


def picked(client, kind, q=""):
    """The labels a picker offers for `q`, in order."""
    response = client.get(f"/pick/{kind}/", {"q": q}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return re.findall(r'data-label="([^"]*)"', response.content.decode())


def test_a_contact_is_found_by_name_with_its_account_email_and_phone(tenant_a):
    company = account(tenant_a, "Harbour Trading", owner="sales")
    contact(tenant_a, "Hana", last_name="Harbour", owner="sales", email="hana@harbour.test", account=company)
    contact(tenant_a, "Otto", last_name="Other", owner="sales")
    page = browser(tenant_a, "sales").get("/pick/contacts/", {"q": "hana harb"}).content.decode()
    assert 'data-label="Hana Harbour"' in page and "Otto" not in page
    assert "Harbour Trading · hana@harbour.test" in page


def test_a_chinese_name_is_found_in_either_order(tenant_a):
    contact(tenant_a, "伟", last_name="李", owner="sales")
    client = browser(tenant_a, "sales")
    assert picked(client, "contacts", "李伟") == ["李伟"]
    assert picked(client, "contacts", "伟 李") == ["李伟"]
    assert picked(client, "contacts", "王") == []


def test_a_phone_typed_without_spaces_finds_contacts_and_accounts(tenant_a):
    account(tenant_a, "Dash Trading", owner="sales", phone="+86 10-6552-8888")
    contact(tenant_a, "Sun", last_name="Spaced", owner="sales", phone="+86 138 0013 8000")
    client = browser(tenant_a, "sales")
    assert picked(client, "contacts", "13800138000") == ["Sun Spaced"]
    assert picked(client, "accounts", "1065528888") == ["Dash Trading"]


def test_a_deal_is_found_by_its_account_and_shows_its_stage(tenant_a):
    make_deal(tenant_a, "sales", name="Fleet Renewal", stage="Qualification")
    page = browser(tenant_a, "sales").get("/pick/deals/", {"q": "fleet renewal co"}).content.decode()
    assert 'data-label="Fleet Renewal"' in page and "Fleet Renewal Co · Qualification" in page


def test_a_sales_user_never_sees_another_salespersons_records_in_a_picker(tenant_a):
    contact(tenant_a, "Mine", last_name="Pickable", owner="sales")
    contact(tenant_a, "Theirs", last_name="Pickable", owner="sales2")
    account(tenant_a, "Pickable Mine Co", owner="sales")
    account(tenant_a, "Pickable Theirs Co", owner="sales2")
    make_deal(tenant_a, "sales2", name="Pickable theirs deal")
    sales = browser(tenant_a, "sales")
    assert picked(sales, "contacts", "Pickable") == ["Mine Pickable"]
    assert picked(sales, "contacts") == ["Mine Pickable"]  # opened with nothing typed
    assert picked(sales, "accounts", "Pickable") == ["Pickable Mine Co"]
    assert picked(sales, "deals", "Pickable") == []
    # The other salesperson sees only theirs; the admin sees both.
    assert picked(browser(tenant_a, "sales2"), "contacts", "Pickable") == ["Theirs Pickable"]
    assert sorted(picked(browser(tenant_a, "admin"), "contacts", "Pickable")) == ["Mine Pickable", "Theirs Pickable"]


def test_another_tenants_records_are_never_offered(tenant_a, tenant_b):
    contact(tenant_b, "Crossing", last_name="Tenant", owner="sales")
    account(tenant_b, "Crossing Tenant Co", owner="sales")
    admin = browser(tenant_a, "admin")
    assert picked(admin, "contacts", "Crossing") == []
    assert picked(admin, "accounts", "Crossing") == []


def test_masked_fields_are_neither_shown_nor_searched(tenant_a):
    contact(tenant_a, "Mara", last_name="Masked", owner="sales", phone="+86 139 7946 0000", email="mara@hidden.test")
    hide(tenant_a, "contacts", "phone")
    hide(tenant_a, "contacts", "email")
    hide(tenant_a, "contacts", "last_name")
    sales = browser(tenant_a, "sales")
    page = sales.get("/pick/contacts/", {"q": "Mara"}).content.decode()
    assert "data-label=" in page
    assert "Masked" not in page and "7946" not in page and "mara@hidden" not in page
    assert picked(sales, "contacts", "13979460000") == []
    assert picked(sales, "contacts", "mara@hidden") == []
    assert picked(sales, "contacts", "Masked") == []
    assert picked(browser(tenant_a, "admin"), "contacts", "13979460000") == ["Mara Masked"]


def test_a_module_hidden_from_the_role_has_no_picker(tenant_a):
    contact(tenant_a, "Hidden", last_name="Module", owner="sales")
    with in_tenant(tenant_a):
        set_module_visibility(by=user_of(tenant_a, "admin"), role="sales", module="contacts", hidden=True)
    assert browser(tenant_a, "sales").get("/pick/contacts/", {"q": "Hidden"}).status_code == 404


def test_at_most_twenty_matches_and_a_hint_to_type_more(tenant_a):
    with in_tenant(tenant_a):
        sales = user_of(tenant_a, "sales")
        Contact.objects.bulk_create(
            [Contact(first_name=f"Many{n:02}", last_name="Alike", owner=sales) for n in range(25)]
        )
    response = browser(tenant_a, "sales").get("/pick/contacts/", {"q": "Alike"})
    assert len(re.findall(r'role="option"', response.content.decode())) == 20
    assert "type more to narrow them down" in response.content.decode()


def test_the_deal_form_shows_the_chosen_account_and_contacts_by_name_only(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Chosen ones")
    chosen = contact(tenant_a, "Chosen", last_name="Person", owner="sales")
    contact(tenant_a, "Unchosen", last_name="Person", owner="sales")
    with in_tenant(tenant_a):
        Deal.objects.get(pk=deal.pk).contacts.add(chosen)
    page = browser(tenant_a, "sales").get(f"/deals/{deal.pk}/edit/").content.decode()
    assert f'<input type="hidden" name="account" value="{deal.account_id}" data-picker-value>' in page
    assert 'value="Chosen ones Co"' in page
    assert f'<input type="hidden" name="contacts" value="{chosen.pk}">' in page and "Chosen Person" in page
    assert "Unchosen" not in page
    assert 'hx-get="/pick/contacts/"' in page and 'hx-get="/pick/accounts/"' in page


def test_a_forged_contact_out_of_scope_is_refused_on_the_deal_form(tenant_a):
    mine = contact(tenant_a, "Mine", last_name="Contact", owner="sales")
    theirs = contact(tenant_a, "Theirs", last_name="Secretname", owner="sales2")
    response = browser(tenant_a, "sales").post(
        "/deals/new/",
        {"name": "Forged", "amount": "1", "currency": "CNY", "contacts": [mine.pk, theirs.pk]},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in " ".join(response.context["form"].errors["contacts"])
    page = response.content.decode()
    assert 'id="id_contacts-error"' in page
    assert "Secretname" not in page  # the refused id names nobody on the form shown again
    with in_tenant(tenant_a):
        assert not Deal.objects.filter(name="Forged").exists()


def test_another_tenants_account_id_is_refused_on_the_deal_form(tenant_a, tenant_b):
    stranger = foreign_account(tenant_b, tenant_a)
    response = browser(tenant_a, "sales").post(
        "/deals/new/", {"name": "Foreign", "amount": "1", "currency": "CNY", "account": stranger.pk}
    )
    assert response.status_code == 400 and "account" in response.context["form"].errors
    with in_tenant(tenant_a):
        assert not Deal.objects.filter(name="Foreign").exists()


def test_the_deal_form_does_not_list_two_thousand_contacts(tenant_a):
    with in_tenant(tenant_a):
        sales = user_of(tenant_a, "sales")
        Contact.objects.bulk_create(
            [Contact(first_name=f"Bulk{n:04}", last_name="Person", owner=sales) for n in range(2000)]
        )
    page = browser(tenant_a, "sales").get("/deals/new/").content.decode()
    assert "Bulk0001" not in page and "Bulk1999" not in page
    # The only <option>s left are the bounded choices: stages, owners, sources.
    assert page.count("<option") < 60
    assert len(page.encode()) < 40_000


def test_a_task_form_posts_a_picked_contact_and_shows_it_again(tenant_a):
    person = contact(tenant_a, "Tia", last_name="Task", owner="sales")
    client = browser(tenant_a, "sales")
    response = client.post("/tasks/new/", {"title": "", "contact": person.pk})  # no title: shown again
    assert response.status_code == 400
    assert 'value="Tia Task"' in response.content.decode()
    assert client.post("/tasks/new/", {"title": "Call Tia", "contact": person.pk}).status_code == 302


def test_converting_a_lead_onto_an_account_picked_beyond_the_look_alikes(tenant_a):
    elsewhere = account(tenant_a, "Quite Different Holdings", owner="sales")
    lead = make_lead(tenant_a, company="Lead Only Trading")
    client = browser(tenant_a, "sales")
    page = client.get(f"/leads/{lead.pk}/convert/").content.decode()
    assert 'hx-get="/pick/accounts/"' in page
    response = client.post(f"/leads/{lead.pk}/convert/", {"account": "", "other_account": elsewhere.pk})
    assert response.status_code == 302 and response["Location"] == f"/accounts/{elsewhere.pk}/"
    with in_tenant(tenant_a):
        assert Lead.objects.get(pk=lead.pk).converted_account_id == elsewhere.pk


def test_converting_a_lead_onto_a_picked_account_out_of_scope_is_refused(tenant_a):
    theirs = account(tenant_a, "Their Holdings", owner="sales2")
    lead = make_lead(tenant_a, company="Lead Only Trading")
    response = browser(tenant_a, "sales").post(
        f"/leads/{lead.pk}/convert/", {"account": "", "other_account": theirs.pk}
    )
    assert response.status_code == 400 and 'id="id_other_account-error"' in response.content.decode()
    with in_tenant(tenant_a):
        assert Lead.objects.get(pk=lead.pk).converted_account_id is None


PICKED_KINDS = [
    ("accounts", make_accounts),
    ("contacts", make_contacts),
    ("deals", make_deals),
    ("leads", make_leads),
]


@pytest.mark.parametrize(("kind", "make"), PICKED_KINDS, ids=[kind for kind, _make in PICKED_KINDS])
def test_a_picker_runs_as_many_queries_for_twenty_matches_as_for_two(tenant_a, kind, make):
    sales = user_of(tenant_a, "sales")
    client = browser(tenant_a, "sales")
    url = f"/pick/{kind}/?q=Counted"
    with in_tenant(tenant_a):
        make(tenant_a, sales, 0, 2)
    two, few_queries = queries_of(client, url)
    with in_tenant(tenant_a):
        make(tenant_a, sales, 2, 20)
    twenty, many_queries = queries_of(client, url)
    assert (two.content.count(b'role="option"'), twenty.content.count(b'role="option"')) == (2, 20)
    assert len(many_queries) == len(few_queries), "\n".join(many_queries)


def test_a_lookup_to_a_custom_object_picks_only_the_users_own_records(tenant_a):
    with in_tenant(tenant_a):
        admin = user_of(tenant_a, "admin")
        builder_services.create_object(by=admin, name="fleet", label="Fleet", label_plural="Fleets")
        builder_services.create_object(by=admin, name="vehicle", label="Vehicle", label_plural="Vehicles")
        builder_services.create_field(
            by=admin, object_name="vehicle", name="fleet", label="Fleet", type="lookup", target="fleet"
        )
        builder_services.create_record("fleet", by=user_of(tenant_a, "sales"), name="Harbour fleet")
        theirs = builder_services.create_record("fleet", by=user_of(tenant_a, "sales2"), name="Harbour other fleet")
    sales = browser(tenant_a, "sales")
    assert 'hx-get="/pick/objects/fleet/"' in sales.get("/objects/vehicle/new/").content.decode()
    assert picked(sales, "objects/fleet", "harbour") == ["Harbour fleet"]
    assert sales.get("/pick/objects/nothing/", {"q": "x"}).status_code == 404
    refused = sales.post("/objects/vehicle/new/", {"name": "Van", "fleet": theirs.pk})
    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()
