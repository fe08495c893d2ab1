"""Every field of a contact on its pages, the accounts the person relates to
(with their role), list filters, and the contact's own timeline (log an
activity with a next-contact date) and tasks."""

import datetime

import pytest
from django.utils import formats, timezone

from crm.activities.models import Activity, FollowUp
from crm.activities.services import create_task, log_activity
from crm.audit.models import AuditEvent
from crm.contacts.models import Contact, ContactAccount
from crm.contacts.services import link_account
from tests.crm.accounts.factories import account, contact
from tests.crm.accounts.test_web import browser
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db


def htmx(target):
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


def test_the_new_contact_form_saves_every_field(tenant_a):
    company = account(tenant_a, "Cform Co", owner="sales")
    response = browser(tenant_a, "sales").post(
        "/contacts/new/",
        {
            "first_name": "Cleo",
            "last_name": "Form",
            "title": "Head of Buying",
            "role": "decision_maker",
            "email": "cleo@cform.test",
            "phone": "+44 20 3000 1000",
            "account": company.pk,
        },
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        saved = Contact.objects.get(first_name="Cleo")
        assert (saved.last_name, saved.title, saved.role, saved.email, saved.phone, saved.account_id) == (
            "Form",
            "Head of Buying",
            "decision_maker",
            "cleo@cform.test",
            "+44 20 3000 1000",
            company.pk,
        )
        assert ContactAccount.objects.get(contact=saved).is_primary


def test_the_edit_form_shows_title_and_role_and_changes_them(tenant_a):
    person = contact(tenant_a, "Eddy", owner="sales", title="Clerk", role="user")
    client = browser(tenant_a, "sales")
    form = client.get(f"/contacts/{person.pk}/edit/").content.decode()
    assert 'value="Clerk"' in form and '<option value="user" selected>' in form
    client.post(f"/contacts/{person.pk}/edit/", {"first_name": "Eddy", "title": "Manager", "role": "influencer"})
    with in_tenant(tenant_a):
        person.refresh_from_db()
        assert (person.title, person.role) == ("Manager", "influencer")


def test_the_contact_page_shows_every_field_and_each_related_account_with_its_role(tenant_a):
    home = account(tenant_a, "Home Base Co", owner="sales")
    other = account(tenant_a, "Side Gig Co", owner="sales")
    hidden = account(tenant_a, "Secret Partner Co", owner="sales2")
    person = contact(
        tenant_a,
        "Rhea",
        last_name="Related",
        owner="sales",
        account=home,
        title="CTO",
        role="decision_maker",
        email="rhea@home.test",
        phone="+1 555 0199",
    )
    with in_tenant(tenant_a):
        link_account(contact=person, account=other, by=user_of(tenant_a, "sales"), role="influencer")
        link_account(contact=person, account=hidden, by=user_of(tenant_a, "admin"), role="user")
    page = browser(tenant_a, "sales").get(f"/contacts/{person.pk}/").content.decode()
    for shown in ("CTO", "Decision maker", 'href="mailto:rhea@home.test"', 'href="tel:+1 555 0199"'):
        assert shown in page
    accounts = page.split('data-testid="contact-accounts"')[1].split("</section>")[0]
    assert "Home Base Co" in accounts and "Primary" in accounts
    assert "Side Gig Co" in accounts and "Influencer" in accounts
    # An account out of the user's scope is not named.
    assert "Secret Partner Co" not in page


def test_relating_a_contact_to_another_account_and_ending_it_from_its_page(tenant_a):
    home = account(tenant_a, "Relate Home", owner="sales")
    other = account(tenant_a, "Relate Other", owner="sales")
    person = contact(tenant_a, "Lin", owner="sales", account=home)
    client = browser(tenant_a, "sales")
    response = client.post(f"/contacts/{person.pk}/accounts/", {"account": other.pk, "role": "user"})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert ContactAccount.objects.get(contact=person, account=other).role == "user"
    assert (
        client.post(
            f"/contacts/{person.pk}/accounts/", {"account": other.pk, "role": "user", "is_primary": "on"}
        ).status_code
        == 302
    )
    with in_tenant(tenant_a):
        assert Contact.objects.get(pk=person.pk).account_id == other.pk
    client.post(f"/contacts/{person.pk}/accounts/{home.pk}/unlink/")
    with in_tenant(tenant_a):
        assert list(ContactAccount.objects.filter(contact=person).values_list("account_id", flat=True)) == [other.pk]
        assert AuditEvent.objects.filter(
            target_type="contacts.contact", target_id=person.pk, action="contact.account_unlinked"
        ).exists()


def test_relating_to_an_account_out_of_scope_is_refused_and_saves_nothing(tenant_a):
    person = contact(tenant_a, "Oona", owner="sales")
    theirs = account(tenant_a, "Not Mine Co", owner="sales2")
    response = browser(tenant_a, "sales").post(f"/contacts/{person.pk}/accounts/", {"account": theirs.pk})
    assert response.status_code == 400
    with in_tenant(tenant_a):
        assert not ContactAccount.objects.filter(contact=person).exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("role=influencer", {"Fil Alpha"}),
        ("has_email=1", {"Fil Alpha"}),
        ("has_email=0", {"Fil Beta"}),
        ("has_phone=1", {"Fil Beta"}),
        ("owner=me", {"Fil Alpha", "Fil Beta"}),
    ],
)
def test_each_contact_list_filter_narrows_the_list(tenant_a, query, expected):
    contact(tenant_a, "Fil", last_name="Alpha", owner="sales", role="influencer", email="alpha@fil.test")
    contact(tenant_a, "Fil", last_name="Beta", owner="sales", phone="+1 555 0142")
    page = browser(tenant_a, "sales").get(f"/contacts/?q=Fil&{query}", **htmx("contact-table")).content.decode()
    assert {name for name in ("Fil Alpha", "Fil Beta") if name in page} == expected


def test_the_contact_list_of_one_account_names_it(tenant_a):
    company = account(tenant_a, "Listed Co", owner="sales")
    contact(tenant_a, "Inside", owner="sales", account=company)
    contact(tenant_a, "Outside", owner="sales")
    page = browser(tenant_a, "sales").get(f"/contacts/?account={company.pk}").content.decode()
    assert "Listed Co" in page and "Inside" in page and "Outside" not in page


# Timeline and tasks -------------------------------------------------------------------


def test_logging_an_activity_on_a_contact_puts_it_on_the_contact_and_its_account(tenant_a):
    company = account(tenant_a, "Logged Co", owner="sales")
    person = contact(tenant_a, "Tess", owner="sales", account=company)
    day = timezone.localdate() + datetime.timedelta(days=4)
    client = browser(tenant_a, "sales")
    response = client.post(
        f"/contacts/{person.pk}/activities/",
        {"kind": "meeting", "subject": "Demo with Tess", "next_contact_at": day.isoformat()},
        **htmx("timeline"),
    )
    assert response.status_code == 200
    assert "Demo with Tess" in response.content.decode()
    with in_tenant(tenant_a):
        activity = Activity.objects.get(subject="Demo with Tess")
        assert (activity.contact_id, activity.account_id, activity.next_contact_at) == (person.pk, company.pk, day)
        assert FollowUp.objects.get(contact=person).next_contact_at == day
    page = client.get(f"/contacts/{person.pk}/").content.decode()
    assert "Demo with Tess" in page and formats.date_format(day, "DATE_FORMAT") in page
    assert "Demo with Tess" in client.get(f"/accounts/{company.pk}/").content.decode()


def test_an_invalid_activity_comes_back_with_its_errors_and_logs_nothing(tenant_a):
    person = contact(tenant_a, "Vera", owner="sales")
    response = browser(tenant_a, "sales").post(
        f"/contacts/{person.pk}/activities/", {"kind": "call"}, **htmx("timeline")
    )
    assert response.status_code == 200 and 'id="id_subject-error"' in response.content.decode()
    with in_tenant(tenant_a):
        assert not Activity.objects.filter(contact=person).exists()


def test_the_contact_log_form_suggests_the_primary_accounts_follow_up_frequency(tenant_a):
    company = account(tenant_a, "Cadence Co", owner="sales", follow_up_days=9)
    person = contact(tenant_a, "Cade", owner="sales", account=company)
    page = browser(tenant_a, "sales").get(f"/contacts/{person.pk}/").content.decode()
    assert "every 9 days" in page.split('data-testid="log-activity"')[1].split("</form>")[0]


def test_logging_on_a_contact_out_of_scope_is_404_and_logs_nothing(tenant_a):
    person = contact(tenant_a, "Private", owner="sales")
    response = browser(tenant_a, "sales2").post(
        f"/contacts/{person.pk}/activities/", {"kind": "call", "subject": "Sneaky"}
    )
    assert response.status_code == 404
    with in_tenant(tenant_a):
        assert not Activity.objects.filter(subject="Sneaky").exists()


def test_the_contact_page_shows_its_open_tasks_and_offers_a_new_one(tenant_a):
    company = account(tenant_a, "Tasked Co", owner="sales")
    person = contact(tenant_a, "Tad", owner="sales", account=company)
    with in_tenant(tenant_a):
        sales = user_of(tenant_a, "sales")
        create_task(by=sales, title="Send Tad the offer", contact=person)
        create_task(by=sales, title="Already sent", contact=person, done=True)
        create_task(by=sales, title="Not about Tad")
    page = browser(tenant_a, "sales").get(f"/contacts/{person.pk}/").content.decode()
    tasks = page.split('data-testid="record-tasks"')[1].split("</section>")[0]
    assert "Send Tad the offer" in tasks
    assert "Already sent" not in tasks and "Not about Tad" not in tasks
    assert f"/tasks/new/?contact={person.pk}&amp;account={company.pk}" in tasks


def test_the_contact_timeline_lists_only_its_activities_with_their_comments(tenant_a):
    person = contact(tenant_a, "Uma", owner="sales")
    other = contact(tenant_a, "Ulf", owner="sales")
    with in_tenant(tenant_a):
        sales = user_of(tenant_a, "sales")
        log_activity(by=sales, kind="email", subject="Mail to Uma", contact=person)
        log_activity(by=sales, kind="email", subject="Mail to Ulf", contact=other)
    page = browser(tenant_a, "sales").get(f"/contacts/{person.pk}/").content.decode()
    assert "Mail to Uma" in page and "Mail to Ulf" not in page
