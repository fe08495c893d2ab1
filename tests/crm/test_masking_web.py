"""Fields the admin hides from a role are masked in the web UI exactly as in the
API (••••••): on every page that shows record fields, in edit forms (shown
masked, disabled, never written) and in history rows. The admin sees them."""

from decimal import Decimal

import pytest

from crm.access.permissions import MASK
from crm.access.services import set_sensitive_field
from crm.accounts.services import update_account
from crm.activities.services import create_task, log_activity
from crm.audit.models import AuditEvent
from crm.contacts.models import Contact
from crm.contacts.services import update_contact
from crm.deals.services import create_deal
from crm.leads.services import create_lead
from crm.web.masking import MaskedRecord, Masks
from tests.crm.accounts.factories import account, contact
from tests.crm.accounts.test_web import browser
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db

PHONE = "+44 20 7946 0123"
DIGITS = ("7946", "0123")


def hide(tenant, module, field, roles=("sales",)):
    with in_tenant(tenant):
        set_sensitive_field(by=user_of(tenant, "admin"), module=module, field=field, hidden_from=list(roles))


@pytest.fixture
def phone_hidden(tenant_a):
    """A sales user's contact with a phone, at their account, on their deal; the
    contacts' phone is hidden from the sales role."""
    company = account(tenant_a, "Maskco Ltd", owner="sales")
    person = contact(
        tenant_a, "Mara", last_name="Masked", phone=PHONE, email="mara@maskco.test", owner="sales", account=company
    )
    with in_tenant(tenant_a):
        deal = create_deal(
            by=user_of(tenant_a, "admin"),
            name="Maskco order",
            account=company,
            contacts=[person],
            owner=user_of(tenant_a, "sales"),
        )
    hide(tenant_a, "contacts", "phone")
    return {"account": company, "contact": person, "deal": deal}


def assert_masked(page):
    assert MASK in page
    for digits in DIGITS:
        assert digits not in page


def assert_shown(page):
    assert PHONE in page


PAGES = {
    "contact list": lambda r: "/contacts/",
    "contact page": lambda r: f"/contacts/{r['contact'].pk}/",
    "contact edit form": lambda r: f"/contacts/{r['contact'].pk}/edit/",
    "account page contacts table": lambda r: f"/accounts/{r['account'].pk}/",
    "deal page contacts table": lambda r: f"/deals/{r['deal'].pk}/",
    "global search": lambda r: "/search/?q=Mara",
    "home recent contacts": lambda r: "/",
}


@pytest.mark.parametrize("name", PAGES)
def test_a_sales_user_whose_role_has_the_phone_hidden_never_sees_its_digits(tenant_a, phone_hidden, name):
    response = browser(tenant_a, "sales").get(PAGES[name](phone_hidden))
    assert response.status_code == 200
    assert_masked(response.content.decode())


@pytest.mark.parametrize("name", PAGES)
def test_the_admin_sees_the_phone_on_the_same_pages(tenant_a, phone_hidden, name):
    response = browser(tenant_a, "admin").get(PAGES[name](phone_hidden))
    assert response.status_code == 200
    assert_shown(response.content.decode())


def test_the_global_search_as_htmx_masks_too(tenant_a, phone_hidden):
    page = browser(tenant_a, "sales").get("/search/?q=Mara", HTTP_HX_REQUEST="true").content.decode()
    assert "Mara Masked" in page
    assert_masked(page)


def test_a_masked_phone_is_not_searched_so_its_digits_find_nothing(tenant_a, phone_hidden):
    client = browser(tenant_a, "sales")
    assert "Mara Masked" not in client.get("/contacts/?q=7946").content.decode()
    assert "Mara Masked" not in client.get("/search/?q=7946").content.decode()
    assert "Mara Masked" in browser(tenant_a, "admin").get("/contacts/?q=7946").content.decode()


def test_the_contact_list_offers_no_phone_filter_and_no_sort_by_what_is_masked(tenant_a, phone_hidden):
    hide(tenant_a, "contacts", "email")
    page = browser(tenant_a, "sales").get("/contacts/").content.decode()
    assert 'name="has_phone"' not in page and 'name="has_email"' not in page
    assert "sort=email" not in page
    admin_page = browser(tenant_a, "admin").get("/contacts/").content.decode()
    assert 'name="has_phone"' in admin_page and "sort=email" in admin_page


def test_editing_a_contact_as_that_sales_user_keeps_the_phone_unchanged(tenant_a, phone_hidden):
    person = phone_hidden["contact"]
    client = browser(tenant_a, "sales")
    form = client.get(f"/contacts/{person.pk}/edit/").content.decode()
    assert 'name="phone"' in form and "disabled" in form.split('name="phone"')[1].split(">")[0]
    response = client.post(
        f"/contacts/{person.pk}/edit/",
        {
            "first_name": "Mara",
            "last_name": "Masked",
            "title": "Buyer",
            "email": "mara@maskco.test",
            "phone": "000 000 0000",
            "account": phone_hidden["account"].pk,
        },
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        saved = Contact.objects.get(pk=person.pk)
        assert (saved.phone, saved.title) == (PHONE, "Buyer")
        [event] = AuditEvent.objects.filter(
            target_type="contacts.contact", target_id=person.pk, action="contact.updated"
        )
        assert "phone" not in event.payload


def test_posting_the_mask_back_never_overwrites_the_phone(tenant_a, phone_hidden):
    person = phone_hidden["contact"]
    browser(tenant_a, "sales").post(f"/contacts/{person.pk}/edit/", {"first_name": "Mara", "phone": MASK})
    with in_tenant(tenant_a):
        assert Contact.objects.get(pk=person.pk).phone == PHONE


def test_a_contact_created_by_that_sales_user_gets_no_phone_from_the_form(tenant_a, phone_hidden):
    client = browser(tenant_a, "sales")
    response = client.post("/contacts/new/", {"first_name": "Nia", "last_name": "New", "phone": "+44 20 1111 2222"})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert Contact.objects.get(first_name="Nia").phone == ""


def test_the_history_masks_old_and_new_values_of_a_hidden_field(tenant_a, phone_hidden):
    person = phone_hidden["contact"]
    with in_tenant(tenant_a):
        update_contact(
            contact=Contact.objects.get(pk=person.pk), by=user_of(tenant_a, "admin"), phone="+44 20 7946 9999"
        )
    sales_page = browser(tenant_a, "sales").get(f"/contacts/{person.pk}/").content.decode()
    assert "contact.updated" in sales_page
    assert "9999" not in sales_page and "7946" not in sales_page
    assert "9999" in browser(tenant_a, "admin").get(f"/contacts/{person.pk}/").content.decode()


def test_a_duplicate_warning_never_names_a_masked_phone(tenant_a, phone_hidden):
    response = browser(tenant_a, "sales").post("/contacts/new/", {"first_name": "Mara", "last_name": "Masked"})
    page = response.content.decode()
    assert response.status_code == 400 and 'name="save_anyway"' in page
    assert_masked(page)


# Accounts, deals, leads -----------------------------------------------------------


def test_a_hidden_credit_limit_is_masked_on_the_account_page_and_kept_by_its_edit(tenant_a):
    company = account(tenant_a, "Creditco", owner="sales", credit_limit=Decimal("987654.32"))
    hide(tenant_a, "accounts", "credit_limit")
    client = browser(tenant_a, "sales")
    for url in (f"/accounts/{company.pk}/", f"/accounts/{company.pk}/edit/"):
        page = client.get(url).content.decode()
        # Any rendering of the number (987654.32, 987,654.32, 987654): not "987" alone,
        # which a form's version token may hold by chance.
        assert "987654" not in page and "987,654" not in page and MASK in page
    response = client.post(f"/accounts/{company.pk}/edit/", {"name": "Creditco Renamed", "credit_limit": "1"})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        company.refresh_from_db()
        assert (company.name, company.credit_limit) == ("Creditco Renamed", Decimal("987654.32"))
    assert "987,654.32" in browser(tenant_a, "admin").get(f"/accounts/{company.pk}/").content.decode()


def test_hidden_account_fields_are_masked_in_the_list_and_cannot_filter_it(tenant_a):
    account(tenant_a, "Statusco", owner="sales", status="customer", industry="Shipbuilding")
    hide(tenant_a, "accounts", "industry")
    client = browser(tenant_a, "sales")
    page = client.get("/accounts/?q=Statusco").content.decode()
    assert "Shipbuilding" not in page and MASK in page and 'name="industry"' not in page
    # The filter is ignored rather than telling whether the value matches.
    assert "Statusco" in client.get("/accounts/?q=Statusco&industry=nothing-like-it").content.decode()


def test_a_hidden_deal_amount_is_masked_on_the_kanban_list_page_and_account_page(tenant_a):
    company = account(tenant_a, "Amountco", owner="sales")
    with in_tenant(tenant_a):
        deal = create_deal(
            by=user_of(tenant_a, "admin"),
            name="Amount deal",
            account=company,
            amount=Decimal("12345.67"),
            owner=user_of(tenant_a, "sales"),
        )
    hide(tenant_a, "deals", "amount")
    client = browser(tenant_a, "sales")
    for url in (
        "/deals/",
        "/deals/list/?q=Amount",
        f"/deals/{deal.pk}/",
        f"/deals/{deal.pk}/edit/",
        f"/accounts/{company.pk}/",
    ):
        page = client.get(url).content.decode()
        assert "12,345" not in page and "12345" not in page, url
        assert MASK in page, url
    assert "12,345.67" in browser(tenant_a, "admin").get("/deals/").content.decode()


def test_editing_a_deal_with_a_hidden_amount_keeps_the_amount(tenant_a):
    with in_tenant(tenant_a):
        deal = create_deal(
            by=user_of(tenant_a, "admin"),
            name="Keep amount",
            amount=Decimal("500.00"),
            owner=user_of(tenant_a, "sales"),
        )
    hide(tenant_a, "deals", "amount")
    response = browser(tenant_a, "sales").post(
        f"/deals/{deal.pk}/edit/", {"name": "Keep amount 2", "amount": "1", "currency": "CNY"}
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        deal.refresh_from_db()
        assert (deal.name, deal.amount) == ("Keep amount 2", Decimal("500.00"))


def test_a_hidden_lead_phone_is_masked_on_the_lead_pages(tenant_a):
    with in_tenant(tenant_a):
        lead = create_lead(
            by=user_of(tenant_a, "admin"), first_name="Leah", phone=PHONE, owner=user_of(tenant_a, "sales")
        )
    hide(tenant_a, "leads", "phone")
    client = browser(tenant_a, "sales")
    for url in ("/leads/", f"/leads/{lead.pk}/", f"/leads/{lead.pk}/edit/"):
        assert_masked(client.get(url).content.decode())


def test_the_convert_page_of_a_lead_with_a_hidden_company_does_not_name_it(tenant_a):
    with in_tenant(tenant_a):
        lead = create_lead(
            by=user_of(tenant_a, "admin"),
            first_name="Cora",
            company="Hushhush Holdings",
            owner=user_of(tenant_a, "sales"),
        )
    hide(tenant_a, "leads", "company")
    page = browser(tenant_a, "sales").get(f"/leads/{lead.pk}/convert/").content.decode()
    assert "Hushhush" not in page and MASK in page
    assert "Hushhush" in browser(tenant_a, "admin").get(f"/leads/{lead.pk}/convert/").content.decode()


def test_masking_one_role_leaves_the_others_alone(tenant_a, phone_hidden):
    assert_shown(browser(tenant_a, "director").get(f"/contacts/{phone_hidden['contact'].pk}/").content.decode())


def test_related_records_on_a_contact_page_are_masked_by_their_own_module(tenant_a, phone_hidden):
    hide(tenant_a, "deals", "amount")
    with in_tenant(tenant_a):
        log_activity(
            by=user_of(tenant_a, "sales"),
            kind="call",
            subject="Masked call",
            contact=Contact.objects.get(pk=phone_hidden["contact"].pk),
        )
        create_task(by=user_of(tenant_a, "sales"), title="Call Mara back", contact=phone_hidden["contact"])
    page = browser(tenant_a, "sales").get(f"/contacts/{phone_hidden['contact'].pk}/").content.decode()
    assert "Masked call" in page and "Call Mara back" in page and "Maskco order" in page
    assert_masked(page)


# The masked view itself -------------------------------------------------------------


def test_a_masked_record_reads_the_mask_and_leaves_the_instance_alone(tenant_a):
    person = contact(tenant_a, "Olga", last_name="Hidden", phone=PHONE, role="user")
    shown = MaskedRecord(person, {"phone", "last_name", "role"})
    assert (shown.phone, shown.last_name, shown.get_role_display(), shown.first_name) == (MASK, MASK, MASK, "Olga")
    assert str(shown) == f"Olga {MASK}"
    assert (person.phone, person.last_name, str(person)) == (PHONE, "Hidden", "Olga Hidden")
    with pytest.raises(TypeError):
        shown.save()
    with pytest.raises(AttributeError):
        shown.phone = "1"


def test_an_empty_masked_field_reads_empty_as_in_the_api(tenant_a):
    person = contact(tenant_a, "Pia")
    assert MaskedRecord(person, {"phone"}).phone == ""


def test_the_masks_of_a_request_ask_once_per_module(tenant_a, django_assert_num_queries):
    hide(tenant_a, "contacts", "phone")
    with in_tenant(tenant_a):
        masks, admin = Masks(user_of(tenant_a, "sales")), user_of(tenant_a, "admin")
        assert masks["contacts"] == {"phone"}
        with django_assert_num_queries(0):
            assert masks["contacts"] == {"phone"}
            assert Masks(admin)["contacts"] == frozenset()


def test_an_account_update_by_the_admin_shows_masked_in_the_accounts_history(tenant_a):
    company = account(tenant_a, "Histco", owner="sales", phone="+44 20 5555 0000")
    hide(tenant_a, "accounts", "phone")
    with in_tenant(tenant_a):
        from crm.accounts.models import Account

        update_account(
            account=Account.objects.get(pk=company.pk), by=user_of(tenant_a, "admin"), phone="+44 20 5555 1111"
        )
    page = browser(tenant_a, "sales").get(f"/accounts/{company.pk}/").content.decode()
    assert "5555" not in page and "account.updated" in page


@pytest.fixture
def look_alikes(tenant_a):
    """Two look-alike contacts of a sales user, the first with a task."""
    first = contact(tenant_a, "Lina", last_name="Secretsurname", owner="sales")
    second = contact(tenant_a, "Lina", last_name="Secretsurname", owner="sales")
    with in_tenant(tenant_a):
        create_task(by=user_of(tenant_a, "sales"), title="Call Lina back", contact=first)
    return first, second


NAME_PAGES = {
    "merge choices": lambda first, second: f"/contacts/{first.pk}/merge/?q=Lina",
    "merge confirmation": lambda first, second: f"/contacts/{first.pk}/merge/?other={second.pk}",
    "task lists and form": lambda first, second: "/tasks/",
    "task edit form": lambda first, second: f"/tasks/new/?contact={first.pk}",
    "contact picker": lambda first, second: "/pick/contacts/?q=Lina",
}


@pytest.mark.parametrize("name", NAME_PAGES)
def test_pages_that_name_a_contact_do_not_spell_out_a_masked_last_name(tenant_a, look_alikes, name):
    url = NAME_PAGES[name](*look_alikes)
    assert "Secretsurname" in browser(tenant_a, "sales").get(url).content.decode()
    hide(tenant_a, "contacts", "last_name")
    page = browser(tenant_a, "sales").get(url).content.decode()
    assert "Lina" in page
    assert "Secretsurname" not in page
