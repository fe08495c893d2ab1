"""The lead pages as a browser uses them (Django's test client on the tenant's
host): the list in the user's scope, the detail, the forms, and conversion."""

import datetime

import pytest
from django.test import Client

from crm.accounts.models import Account
from crm.audit.models import AuditEvent
from crm.contacts.models import Contact
from crm.deals.models import Deal
from crm.leads import services
from crm.leads.models import Lead
from tests.crm.accounts.factories import account
from tests.crm.leads.test_leads import make_lead
from tests.tenancy import host, in_tenant, user_of

pytestmark = pytest.mark.django_db


def browser(tenant, who):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, who))
    return client


def counts(tenant):
    with in_tenant(tenant):
        return (
            Account.objects.count(),
            Contact.objects.count(),
            Deal.objects.count(),
            Lead.objects.count(),
            AuditEvent.objects.count(),
        )


def lead_row(tenant, lead):
    with in_tenant(tenant):
        return Lead.objects.filter(pk=lead.pk).values().get()


# The list ------------------------------------------------------------------------


def test_sales_user_sees_only_their_own_leads_in_the_list(tenant_a):
    make_lead(tenant_a, "sales", company="Mine Trading")
    make_lead(tenant_a, "sales2", company="Theirs Trading")
    page = browser(tenant_a, "sales").get("/leads/").content.decode()
    assert "Mine Trading" in page
    assert "Theirs Trading" not in page


def test_the_list_searches_name_company_email_and_phone(tenant_a):
    make_lead(tenant_a, first_name="Searchable", company="Needle Works", email="x@needle.test", phone="+1 555 777 1234")
    make_lead(tenant_a, first_name="Other", company="Haystack Ltd", email="y@hay.test", phone="+1 555 000 0000")
    client = browser(tenant_a, "sales")
    for text in ("searchable", "needle works", "x@needle", "777 1234"):
        page = client.get("/leads/", {"q": text}).content.decode()
        assert "Needle Works" in page and "Haystack Ltd" not in page, text


def test_the_list_filters_by_status_source_and_owner_me(tenant_a):
    make_lead(tenant_a, "sales", company="Qualified Web", status="qualified", source="web")
    make_lead(tenant_a, "sales", company="New Event", status="new", source="event")
    make_lead(tenant_a, "manager", company="Managers Own", status="qualified", source="web")
    director = browser(tenant_a, "director")
    page = director.get("/leads/", {"status": "qualified", "source": "web"}).content.decode()
    assert "Qualified Web" in page and "Managers Own" in page and "New Event" not in page
    sales = browser(tenant_a, "sales")
    page = sales.get("/leads/", {"owner": "me", "status": "new"}).content.decode()
    assert "New Event" in page and "Qualified Web" not in page


def test_an_htmx_request_gets_only_the_table_sorted(tenant_a):
    make_lead(tenant_a, company="Zulu Co")
    make_lead(tenant_a, company="Alpha Co")
    response = browser(tenant_a, "sales").get(
        "/leads/", {"sort": "company"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="lead-table"
    )
    page = response.content.decode()
    assert "<html" not in page
    assert page.index("Alpha Co") < page.index("Zulu Co")


# Detail, create, edit --------------------------------------------------------------


def test_the_detail_page_shows_the_lead_and_its_history(tenant_a):
    lead = make_lead(tenant_a, company="History Trading")
    page = browser(tenant_a, "sales").get(f"/leads/{lead.pk}/").content.decode()
    assert "History Trading" in page
    assert "lead.created" in page
    assert f'href="/leads/{lead.pk}/edit/"' in page and f'href="/leads/{lead.pk}/convert/"' in page


def test_a_lead_outside_the_users_scope_is_not_found_on_every_page(tenant_a):
    theirs = make_lead(tenant_a, "sales2", company="Not Yours")
    before, row = counts(tenant_a), lead_row(tenant_a, theirs)
    client = browser(tenant_a, "sales")
    for url in (f"/leads/{theirs.pk}/", f"/leads/{theirs.pk}/edit/", f"/leads/{theirs.pk}/convert/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/leads/{theirs.pk}/edit/", {"first_name": "Taken", "status": "new"}).status_code == 404
    assert client.post(f"/leads/{theirs.pk}/convert/", {"create_deal": "on"}).status_code == 404
    assert counts(tenant_a) == before
    assert lead_row(tenant_a, theirs) == row


def test_creating_a_lead_with_errors_answers_400_with_the_messages_and_saves_nothing(tenant_a):
    before = counts(tenant_a)
    response = browser(tenant_a, "sales").post(
        "/leads/new/", {"first_name": "", "email": "not-an-email", "status": "new"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_first_name-error"' in page and "This field is required." in page
    assert 'id="id_email-error"' in page and "Enter a valid email address." in page
    assert counts(tenant_a) == before


def test_creating_a_lead_inline_answers_only_the_form_with_its_errors(tenant_a):
    response = browser(tenant_a, "sales").post(
        "/leads/new/", {"first_name": "", "status": "new"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert "<html" not in page and 'data-testid="record-form"' in page
    assert "This field is required." in page


def test_a_sales_user_cannot_give_a_new_lead_to_someone_else(tenant_a):
    before = counts(tenant_a)
    sales2 = user_of(tenant_a, "sales2")
    response = browser(tenant_a, "sales").post(
        "/leads/new/", {"first_name": "Gift", "status": "new", "owner": sales2.pk}
    )
    assert response.status_code == 400
    assert counts(tenant_a) == before


def test_creating_a_lead_saves_it_for_the_user_and_opens_it(tenant_a):
    response = browser(tenant_a, "sales").post(
        "/leads/new/",
        {
            "first_name": "Mei",
            "last_name": "Chen",
            "company": "Chen Imports",
            "email": "mei@chen.test",
            "source": "referral",
            "status": "new",
        },
    )
    with in_tenant(tenant_a):
        lead = Lead.objects.get(email="mei@chen.test")
    assert response.status_code == 302 and response["Location"] == f"/leads/{lead.pk}/"
    assert (lead.company, lead.source, lead.owner_id) == ("Chen Imports", "referral", user_of(tenant_a, "sales").pk)


def test_editing_a_lead_records_old_and_new_in_its_history(tenant_a):
    lead = make_lead(tenant_a)
    client = browser(tenant_a, "sales")
    response = client.post(
        f"/leads/{lead.pk}/edit/",
        {"first_name": "Lin", "last_name": "Wei", "company": "Wei Trading", "status": "qualified"},
    )
    assert response.status_code == 302
    assert lead_row(tenant_a, lead)["status"] == "qualified"
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "lead.updated" in page and "qualified" in page


# Conversion ------------------------------------------------------------------------


def test_converting_creates_account_contact_and_deal_and_shows_the_account(tenant_a):
    lead = make_lead(tenant_a, company="Convert Me Trading")
    before = counts(tenant_a)
    client = browser(tenant_a, "sales")
    response = client.post(
        f"/leads/{lead.pk}/convert/",
        {"account": "", "create_deal": "on", "deal_name": "First order", "amount": "1200.50"},
    )
    row = lead_row(tenant_a, lead)
    assert row["status"] == "converted"
    assert response.status_code == 302 and response["Location"] == f"/accounts/{row['converted_account_id']}/"
    assert counts(tenant_a)[:3] == (before[0] + 1, before[1] + 1, before[2] + 1)
    with in_tenant(tenant_a):
        deal = Deal.objects.get(pk=row["converted_deal_id"])
        contact = Contact.objects.get(pk=row["converted_contact_id"])
        assert Account.objects.get(pk=row["converted_account_id"]).name == "Convert Me Trading"
    assert (deal.name, str(deal.amount), deal.account_id) == ("First order", "1200.50", row["converted_account_id"])
    assert contact.account_id == row["converted_account_id"]
    account_page = client.get(response["Location"]).content.decode()
    assert "Convert Me Trading" in account_page and "was converted" in account_page


def test_a_converted_lead_is_read_only_and_links_to_what_it_became(tenant_a):
    lead = make_lead(tenant_a, company="Became Trading")
    client = browser(tenant_a, "sales")
    client.post(f"/leads/{lead.pk}/convert/", {"account": ""})
    row = lead_row(tenant_a, lead)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert f'href="/accounts/{row["converted_account_id"]}/"' in page
    assert f'href="/contacts/{row["converted_contact_id"]}/"' in page
    assert f'href="/leads/{lead.pk}/edit/"' not in page and f'href="/leads/{lead.pk}/convert/"' not in page
    response = client.post(f"/leads/{lead.pk}/edit/", {"first_name": "Changed", "status": "new"})
    assert response.status_code == 302
    assert lead_row(tenant_a, lead) == row


def test_the_conversion_time_is_not_followed_by_a_second_period(tenant_a):
    lead = make_lead(tenant_a, company="Afternoon Trading")
    client = browser(tenant_a, "sales")
    client.post(f"/leads/{lead.pk}/convert/", {"account": ""})
    with in_tenant(tenant_a):
        # 06:30 UTC is a.m. in UTC and p.m. in Shanghai: either way the time ends in "m."
        Lead.objects.filter(pk=lead.pk).update(converted_at=datetime.datetime(2026, 3, 2, 6, 30, tzinfo=datetime.UTC))
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Converted on" in page
    assert "p.m.." not in page and "a.m.." not in page


def test_the_convert_page_warns_of_a_matching_account_and_can_attach_the_lead_to_it(tenant_a):
    existing = account(tenant_a, "Wei Trading Co., Ltd.", owner="sales")
    lead = make_lead(tenant_a, company="Wei Trading")
    client = browser(tenant_a, "sales")
    page = client.get(f"/leads/{lead.pk}/convert/").content.decode()
    assert 'data-testid="duplicate-warning"' in page
    assert f'value="{existing.pk}"' in page
    assert f'action="/leads/{lead.pk}/convert/"' in page
    before = counts(tenant_a)
    response = client.post(f"/leads/{lead.pk}/convert/", {"account": existing.pk})
    assert response.status_code == 302 and response["Location"] == f"/accounts/{existing.pk}/"
    assert counts(tenant_a)[:3] == (before[0], before[1] + 1, before[2])
    assert lead_row(tenant_a, lead)["converted_account_id"] == existing.pk


def test_the_convert_page_shows_no_warning_when_nothing_matches(tenant_a):
    lead = make_lead(tenant_a, company="Utterly Unique Holdings", email="u@unique.test", phone="+1 555 999 1111")
    page = browser(tenant_a, "sales").get(f"/leads/{lead.pk}/convert/").content.decode()
    assert 'data-testid="duplicate-warning"' not in page


def test_converting_an_already_converted_lead_is_refused_and_changes_nothing(tenant_a):
    lead = make_lead(tenant_a)
    with in_tenant(tenant_a):
        services.convert_lead(lead=lead, by=user_of(tenant_a, "sales"))
    before, row = counts(tenant_a), lead_row(tenant_a, lead)
    response = browser(tenant_a, "sales").post(f"/leads/{lead.pk}/convert/", {"account": "", "create_deal": "on"})
    assert response.status_code == 400
    assert "already been converted" in response.content.decode()
    assert counts(tenant_a) == before
    assert lead_row(tenant_a, lead) == row


def test_converting_onto_an_account_the_user_cannot_see_is_refused_and_changes_nothing(tenant_a):
    hidden = account(tenant_a, "Hidden Account", owner="sales2")
    lead = make_lead(tenant_a)
    before, row = counts(tenant_a), lead_row(tenant_a, lead)
    response = browser(tenant_a, "sales").post(f"/leads/{lead.pk}/convert/", {"account": hidden.pk})
    assert response.status_code == 400
    assert 'id="id_account-error"' in response.content.decode()
    assert counts(tenant_a) == before
    assert lead_row(tenant_a, lead) == row


def test_the_leads_list_exports_the_filtered_leads_in_scope(tenant_a):
    make_lead(tenant_a, "sales", company="Export Web Co", status="qualified")
    make_lead(tenant_a, "sales", company="Export New Co", status="new")
    make_lead(tenant_a, "sales2", company="Export Theirs Co", status="qualified")
    response = browser(tenant_a, "sales").get("/leads/export/", {"status": "qualified", "file_format": "csv"})
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "Export Web Co" in text and "Export New Co" not in text and "Export Theirs Co" not in text
