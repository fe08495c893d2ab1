"""The record pages (account, contact, deal) as a browser uses them: related
lists cut to their first rows with a count and "View all", the follow-up and
tasks cards refreshed with the timeline after logging an activity, and the
deal's stage path."""

import re

import pytest
from django.test import Client

from crm.activities.services import create_task
from crm.deals.models import Deal
from tests.crm.accounts.factories import account, contact
from tests.crm.deals.factories import make_deal, stage_named
from tests.tenancy import host, in_tenant, user_of

pytestmark = pytest.mark.django_db


def browser(tenant, who):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, who))
    return client


def htmx(target):
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


def _count(page, testid):
    match = re.search(rf'data-testid="{testid}">(\d+)<', page)
    assert match, f"no {testid} on the page"
    return int(match.group(1))


# Related lists -----------------------------------------------------------------------


def test_an_accounts_page_shows_five_of_its_contacts_and_links_to_all_of_them(tenant_a):
    company = account(tenant_a, "Many People Co", owner="sales")
    for i in range(7):
        contact(tenant_a, f"Person{i}", owner="sales", account=company)
    client = browser(tenant_a, "sales")
    page = client.get(f"/accounts/{company.pk}/").content.decode()
    listed = re.search(r'data-testid="account-contacts">(.*?)</table>', page, re.S).group(1)
    assert listed.count("/contacts/") == 5
    assert _count(page, "contacts-count") == 7
    assert f'href="/contacts/?account={company.pk}" data-testid="all-contacts">View all (7)' in page
    everyone = client.get(f"/contacts/?account={company.pk}").content.decode()
    assert all(f"Person{i}" in everyone for i in range(7))


def test_related_counts_leave_out_what_the_user_may_not_see(tenant_a):
    company = account(tenant_a, "Shared Deals Co", owner="sales")
    with in_tenant(tenant_a):
        from crm.accounts.models import Account

        company = Account.objects.get(pk=company.pk)
    for i in range(6):
        make_deal(tenant_a, name=f"Mine {i}", account=company)
    for i in range(3):
        make_deal(tenant_a, owner_local="sales2", name=f"Theirs {i}", account=company)
    page = browser(tenant_a, "sales").get(f"/accounts/{company.pk}/").content.decode()
    assert _count(page, "deals-count") == 6
    assert "View all (6)" in page and "Theirs" not in page
    listing = browser(tenant_a, "sales").get(f"/deals/list/?account={company.pk}").content.decode()
    assert "Mine 5" in listing and "Theirs" not in listing


def test_a_short_related_list_has_no_view_all_link(tenant_a):
    company = account(tenant_a, "Few People Co", owner="sales")
    contact(tenant_a, "Solo", owner="sales", account=company)
    page = browser(tenant_a, "sales").get(f"/accounts/{company.pk}/").content.decode()
    assert _count(page, "contacts-count") == 1
    assert 'data-testid="all-contacts"' not in page


def test_a_contacts_deals_link_to_the_deal_list_of_that_contact(tenant_a):
    person = contact(tenant_a, "Dealer", owner="sales")
    with in_tenant(tenant_a):
        from crm.contacts.models import Contact

        person = Contact.objects.get(pk=person.pk)
    for i in range(6):
        make_deal(tenant_a, name=f"With Dealer {i}", contacts=[person])
    make_deal(tenant_a, name="Without Dealer")
    client = browser(tenant_a, "sales")
    page = client.get(f"/contacts/{person.pk}/").content.decode()
    assert _count(page, "deals-count") == 6
    assert f'href="/deals/list/?contact={person.pk}"' in page
    listing = client.get(f"/deals/list/?contact={person.pk}").content.decode()
    assert "With Dealer 5" in listing and "Without Dealer" not in listing


def test_a_deals_contacts_count_only_the_contacts_the_user_may_see(tenant_a):
    mine = contact(tenant_a, "Visible", owner="sales")
    theirs = contact(tenant_a, "Hidden", owner="sales2")
    with in_tenant(tenant_a):
        from crm.contacts.models import Contact

        people = list(Contact.objects.filter(pk__in=[mine.pk, theirs.pk]))
    deal = make_deal(tenant_a, name="Two People", contacts=people)
    page = browser(tenant_a, "sales").get(f"/deals/{deal.pk}/").content.decode()
    assert _count(page, "contacts-count") == 1
    assert "Visible" in page and "Hidden" not in page
    listing = browser(tenant_a, "sales").get(f"/contacts/?deal={deal.pk}").content.decode()
    assert "Visible" in listing and "Hidden" not in listing


def test_the_tasks_card_shows_all_open_tasks_in_place_when_asked(tenant_a):
    company = account(tenant_a, "Busy Co", owner="sales")
    with in_tenant(tenant_a):
        from crm.accounts.models import Account

        company = Account.objects.get(pk=company.pk)
        for i in range(8):
            create_task(by=user_of(tenant_a, "sales"), title=f"Chore {i}", account=company)
    client = browser(tenant_a, "sales")
    page = client.get(f"/accounts/{company.pk}/").content.decode()
    assert _count(page, "tasks-count") == 8
    assert sum(f"Chore {i}<" in page for i in range(8)) == 5
    every = client.get(f"/accounts/{company.pk}/?tasks=all", **htmx("record-tasks")).content.decode()
    assert all(f"Chore {i}<" in every for i in range(8))


# Follow-up refresh ----------------------------------------------------------------------


def test_logging_a_call_on_an_account_sends_back_the_follow_up_and_tasks_cards(tenant_a):
    company = account(tenant_a, "Followed Co", owner="sales", follow_up_days=7)
    response = browser(tenant_a, "sales").post(
        f"/accounts/{company.pk}/activities/",
        {"kind": "call", "subject": "Checked in"},
        **htmx("timeline"),
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "activity-logged"
    body = response.content.decode()
    assert 'id="timeline"' in body and "Checked in" in body
    card = re.search(r'<section[^>]*id="record-follow-up"[^>]*>(.*?)</section>', body, re.S)
    assert card and 'hx-swap-oob="true"' in card.group(0)
    # Last contacted is now, and the next contact is planned a week on.
    assert 'data-testid="next-follow-up"></dd>' not in card.group(1)
    assert re.search(r'<section[^>]*id="record-tasks"[^>]*hx-swap-oob="true"', body)


def test_a_refused_log_sends_the_form_back_with_errors_and_no_event(tenant_a):
    company = account(tenant_a, "Refused Co", owner="sales")
    response = browser(tenant_a, "sales").post(
        f"/accounts/{company.pk}/activities/", {"kind": "call", "subject": ""}, **htmx("timeline")
    )
    assert response.status_code == 200
    assert "HX-Trigger" not in response
    assert 'class="field invalid"' in response.content.decode()


def test_logging_on_another_owners_account_is_404(tenant_a):
    theirs = account(tenant_a, "Not Yours Co", owner="sales2")
    response = browser(tenant_a, "sales").post(
        f"/accounts/{theirs.pk}/activities/", {"kind": "call", "subject": "Sneaky"}, **htmx("timeline")
    )
    assert response.status_code == 404


# Stage path ------------------------------------------------------------------------------


def test_a_deals_page_shows_its_pipeline_as_a_path_of_past_current_and_future_stages(tenant_a):
    deal = make_deal(tenant_a, name="Pathed", stage="Proposal")
    page = browser(tenant_a, "sales").get(f"/deals/{deal.pk}/").content.decode()
    states = {
        # The stage's name is the only text of its step.
        " ".join(re.sub(r"<[^>]+>", " ", body).split()): state
        for state, body in re.findall(r'data-state="(\w+)">(.*?)</li>', page, re.S)
    }
    assert states == {
        "Qualification": "past",
        "Needs analysis": "past",
        "Proposal": "current",
        "Negotiation": "future",
        "Won": "future",
        "Lost": "future",
    }


def test_clicking_a_stage_on_the_path_moves_the_deal(tenant_a):
    deal = make_deal(tenant_a, name="Clicked", stage="Qualification")
    negotiation = stage_named(tenant_a, "Negotiation")
    response = browser(tenant_a, "sales").post(
        f"/deals/{deal.pk}/stage/", {"stage": negotiation.pk}, **htmx("deal-actions")
    )
    assert response.status_code == 200 and response["HX-Redirect"] == f"/deals/{deal.pk}/"
    with in_tenant(tenant_a):
        assert Deal.objects.get(pk=deal.pk).stage_id == negotiation.pk


def test_clicking_lost_on_the_path_asks_why_and_moves_nothing(tenant_a):
    deal = make_deal(tenant_a, name="Nearly Lost", stage="Proposal")
    lost = stage_named(tenant_a, "Lost")
    response = browser(tenant_a, "sales").post(f"/deals/{deal.pk}/stage/", {"stage": lost.pk}, **htmx("deal-actions"))
    assert "Say why the deal was lost." in response.content.decode()
    with in_tenant(tenant_a):
        assert Deal.objects.get(pk=deal.pk).stage.name == "Proposal"


def test_another_sales_user_cannot_move_a_deal_from_its_path(tenant_a):
    deal = make_deal(tenant_a, name="Guarded", stage="Qualification")
    won = stage_named(tenant_a, "Won")
    response = browser(tenant_a, "sales2").post(f"/deals/{deal.pk}/stage/", {"stage": won.pk}, **htmx("deal-actions"))
    assert response.status_code == 404
    with in_tenant(tenant_a):
        assert Deal.objects.get(pk=deal.pk).stage.name == "Qualification"


def test_the_timeline_shows_fifty_activities_and_loads_the_older_ones_in_place(tenant_a):
    import datetime

    from django.utils import timezone

    from crm.activities.services import log_activity

    company = account(tenant_a, "Chatty Co", owner="sales")
    with in_tenant(tenant_a):
        from crm.accounts.models import Account

        company = Account.objects.get(pk=company.pk)
        sales = user_of(tenant_a, "sales")
        start = timezone.now() - datetime.timedelta(days=60)
        for i in range(52):
            when = start + datetime.timedelta(hours=i)
            log_activity(by=sales, kind="note", subject=f"Note number {i:02d}", account=company, occurred_at=when)
    client = browser(tenant_a, "sales")
    page = client.get(f"/accounts/{company.pk}/").content.decode()
    assert "Note number 51" in page and "Note number 02" in page and "Note number 01" not in page
    assert "Show 2 older activities" in page
    older = client.get(f"/accounts/{company.pk}/?timeline_from=50", **htmx("")).content.decode()
    timeline = re.search(r'<ol class="history timeline">(.*?)</ol>', older, re.S).group(1)
    assert "Note number 01" in timeline and "Note number 00" in timeline and "Note number 02" not in timeline
    assert 'data-testid="timeline-more"' not in timeline
