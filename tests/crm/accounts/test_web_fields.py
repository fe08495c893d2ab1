"""Every field of an account on its pages: the form creates and edits them all
(through the services, which validate), the page shows them in sections, the
list shows the ones that matter and filters by each classification; the
account's timeline logs activities with a next-contact date and the follow-up
frequency's suggestion, its comments loaded in a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.accounts.models import Account
from crm.accounts.services import watch
from crm.activities.models import Activity
from crm.activities.services import comment_on_activity, log_activity
from tests.crm.accounts.factories import account, contact
from tests.crm.accounts.test_web import browser
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db

EVERY_FIELD = {
    "name": "Fieldful Trading",
    "kind": "company",
    "status": "customer",
    "level": "strategic",
    "value_class": "extrinsic",
    "credit_limit": "250000.50",
    "source": "referral",
    "industry": "Logistics",
    "region": "Pacific North",
    "tags": "export, priority , export",
    "phone": "+86 21 5555 0101",
    "email": "hello@fieldful.test",
    "website": "https://fieldful.test",
    "billing_address": "1 Dock Road\nShanghai",
    "shipping_address": "Warehouse 9",
    "follow_up_days": "14",
}


def htmx(target):
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


def test_the_new_account_form_saves_every_field(tenant_a):
    response = browser(tenant_a, "sales").post("/accounts/new/", EVERY_FIELD)
    assert response.status_code == 302
    with in_tenant(tenant_a):
        saved = Account.objects.get(name="Fieldful Trading")
        assert response["Location"] == f"/accounts/{saved.pk}/"
        assert (saved.kind, saved.status, saved.level, saved.value_class, saved.source) == (
            "company",
            "customer",
            "strategic",
            "extrinsic",
            "referral",
        )
        assert saved.credit_limit == Decimal("250000.50")
        assert (saved.industry, saved.region) == ("Logistics", "Pacific North")
        assert saved.tags == ["export", "priority"]
        assert (saved.phone, saved.email, saved.website) == (
            "+86 21 5555 0101",
            "hello@fieldful.test",
            "https://fieldful.test",
        )
        assert (saved.billing_address, saved.shipping_address) == ("1 Dock Road\nShanghai", "Warehouse 9")
        assert saved.follow_up_days == 14
        assert saved.owner == user_of(tenant_a, "sales")


def test_the_edit_form_shows_the_current_values_and_changes_only_what_changed(tenant_a):
    record = account(tenant_a, "Editme Co", owner="sales", industry="Retail", tags=["a", "b"], level="important")
    client = browser(tenant_a, "sales")
    form = client.get(f"/accounts/{record.pk}/edit/").content.decode()
    assert 'value="Retail"' in form and 'value="a, b"' in form
    assert '<option value="important" selected>' in form
    response = client.post(
        f"/accounts/{record.pk}/edit/",
        {"name": "Editme Co", "industry": "Wholesale", "tags": "a, b", "level": "important"},
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        record.refresh_from_db()
        assert (record.industry, record.tags, record.level, record.status) == (
            "Wholesale",
            ["a", "b"],
            "important",
            "prospect",
        )
    page = client.get(f"/accounts/{record.pk}/").content.decode()
    assert "industry: [&#x27;Retail&#x27;, &#x27;Wholesale&#x27;]" in page


def test_an_empty_kind_level_or_status_keeps_what_the_account_has(tenant_a):
    record = account(tenant_a, "Keepme Co", owner="sales", status="customer", level="strategic")
    browser(tenant_a, "sales").post(f"/accounts/{record.pk}/edit/", {"name": "Keepme Co"})
    with in_tenant(tenant_a):
        record.refresh_from_db()
        assert (record.status, record.level, record.kind) == ("customer", "strategic", "company")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("credit_limit", "-5"),
        ("follow_up_days", "0"),
        ("email", "nope"),
        ("website", "not a site"),
        ("status", "bogus"),
    ],
)
def test_an_invalid_value_is_refused_next_to_its_field_and_nothing_is_saved(tenant_a, field, value):
    response = browser(tenant_a, "sales").post(
        "/accounts/new/", {"name": "Invalid Co", field: value}, **htmx("record-form")
    )
    assert response.status_code == 200  # htmx swaps the form back with its errors
    assert f'id="id_{field}-error"' in response.content.decode()
    with in_tenant(tenant_a):
        assert not Account.objects.filter(name="Invalid Co").exists()


def test_a_person_account_with_the_same_phone_is_held_back_until_saved_anyway(tenant_a):
    account(tenant_a, "Pat Person", owner="sales", kind="individual", phone="+86 138 0013 8000")
    client = browser(tenant_a, "sales")
    fields = {"name": "Patricia P", "kind": "individual", "phone": "138 0013 8000"}
    response = client.post("/accounts/new/", fields)
    assert response.status_code == 400 and "Pat Person" in response.content.decode()
    assert client.post("/accounts/new/", {**fields, "save_anyway": "on"}).status_code == 302


def test_the_account_page_shows_every_field_in_its_sections(tenant_a):
    record = account(
        tenant_a,
        "Showall Ltd",
        owner="sales",
        kind="company",
        status="customer",
        level="strategic",
        value_class="strategic",
        credit_limit=Decimal("1500.00"),
        source="event",
        industry="Mining",
        region="North",
        tags=["gold", "vip"],
        phone="+1 555 0100",
        email="a@showall.test",
        website="https://showall.test",
        billing_address="Bill St 1",
        shipping_address="Ship St 2",
        follow_up_days=7,
    )
    page = browser(tenant_a, "sales").get(f"/accounts/{record.pk}/").content.decode()
    for section in ("account-profile", "account-classification", "account-reach", "account-follow-up"):
        assert f'data-testid="{section}"' in page
    for shown in (
        "Company",
        "Customer",
        "Strategic",
        "Strategic value",
        "1,500.00",
        "Event",
        "Mining",
        "North",
        "gold, vip",
        'href="tel:+1 555 0100"',
        'href="mailto:a@showall.test"',
        "https://showall.test",
        "Bill St 1",
        "Ship St 2",
        "7 days",
    ):
        assert shown in page, shown


def test_the_account_page_lists_every_contact_related_to_it_with_their_role(tenant_a):
    record = account(tenant_a, "Linked Co", owner="sales")
    other = account(tenant_a, "Other Home Co", owner="sales")
    primary = contact(tenant_a, "Prim", owner="sales", account=record, role="decision_maker", title="CEO")
    visitor = contact(tenant_a, "Vis", owner="sales", account=other)
    with in_tenant(tenant_a):
        from crm.contacts.services import link_account

        link_account(contact=visitor, account=record, by=user_of(tenant_a, "sales"), role="influencer")
    table = (
        browser(tenant_a, "sales")
        .get(f"/accounts/{record.pk}/")
        .content.decode()
        .split('data-testid="account-contacts"')[1]
        .split("</table>")[0]
    )
    assert "Prim" in table and "Decision maker" in table and "CEO" in table
    assert "Vis" in table and "Influencer" in table and "not primary" in table
    assert table.index("Prim") < table.index("Vis")
    assert primary.pk


# List ----------------------------------------------------------------------------


def test_the_list_shows_status_level_industry_owner_and_contact_dates(tenant_a):
    record = account(
        tenant_a,
        "Columnar Ltd",
        owner="sales",
        status="customer",
        level="important",
        industry="Textiles",
        follow_up_days=10,
    )
    with in_tenant(tenant_a):
        log_activity(
            by=user_of(tenant_a, "sales"),
            kind="call",
            subject="Hi",
            account=record,
            occurred_at=timezone.now() - datetime.timedelta(days=1),
        )
    page = browser(tenant_a, "sales").get("/accounts/?q=Columnar").content.decode()
    row = page.split('data-testid="account-list"')[1]
    for header in ("Status", "Level", "Industry", "Owner", "Last contacted", "Next contact"):
        assert header in row
    assert "Customer" in row and "Important" in row and "Textiles" in row
    planned = timezone.localdate() - datetime.timedelta(days=1) + datetime.timedelta(days=10)
    from django.utils import formats

    assert formats.date_format(planned, "SHORT_DATE_FORMAT") in row


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=customer", {"Filt A"}),
        ("level=strategic", {"Filt B"}),
        ("value_class=intrinsic", {"Filt A"}),
        ("source=partner", {"Filt B"}),
        ("kind=individual", {"Filt B"}),
        ("industry=mining", {"Filt A"}),
        ("region=South", {"Filt B"}),
        ("tag=vip", {"Filt A"}),
        ("owner=me", {"Filt A", "Filt B"}),
        ("status=nonsense", set()),
    ],
)
def test_each_list_filter_narrows_the_accounts(tenant_a, query, expected):
    account(
        tenant_a,
        "Filt A",
        owner="sales",
        status="customer",
        value_class="intrinsic",
        industry="Mining",
        tags=["vip"],
        region="North",
    )
    account(tenant_a, "Filt B", owner="sales", level="strategic", source="partner", kind="individual", region="South")
    page = browser(tenant_a, "sales").get(f"/accounts/?q=Filt&{query}", **htmx("account-table")).content.decode()
    assert {name for name in ("Filt A", "Filt B") if name in page} == expected


def test_the_watched_filter_lists_my_key_customers(tenant_a):
    watched = account(tenant_a, "Keycust One", owner="sales")
    account(tenant_a, "Keycust Two", owner="sales")
    with in_tenant(tenant_a):
        watch(account=watched, by=user_of(tenant_a, "sales"))
    client = browser(tenant_a, "sales")
    page = client.get("/accounts/?q=Keycust&watched=1").content.decode()
    assert "Keycust One" in page and "Keycust Two" not in page
    assert "★" in page
    # Someone else's watch list is theirs.
    assert "Keycust One" not in browser(tenant_a, "admin").get("/accounts/?q=Keycust&watched=1").content.decode()


def test_sorting_by_level_follows_its_meaning(tenant_a):
    for name, level in (("Lvl Normal", "normal"), ("Lvl Strategic", "strategic"), ("Lvl Important", "important")):
        account(tenant_a, name, owner="sales", level=level)
    page = browser(tenant_a, "sales").get("/accounts/?q=Lvl&sort=level").content.decode()
    assert page.index("Lvl Strategic") < page.index("Lvl Important") < page.index("Lvl Normal")


# Timeline ------------------------------------------------------------------------


def test_the_log_form_shows_the_follow_up_frequency_suggestion(tenant_a):
    record = account(tenant_a, "Frequent Co", owner="sales", follow_up_days=21)
    page = browser(tenant_a, "sales").get(f"/accounts/{record.pk}/").content.decode()
    form = page.split('data-testid="log-activity"')[1].split("</form>")[0]
    assert 'name="next_contact_at"' in form and "every 21 days" in form
    suggested = timezone.localdate() + datetime.timedelta(days=21)
    from django.utils import formats

    assert formats.date_format(suggested, "SHORT_DATE_FORMAT") in form
    plain = account(tenant_a, "Rare Co", owner="sales")
    assert (
        "every"
        not in browser(tenant_a, "sales")
        .get(f"/accounts/{plain.pk}/")
        .content.decode()
        .split('data-testid="log-activity"')[1]
        .split("</form>")[0]
    )


def test_logging_with_a_next_contact_date_plans_it_and_the_page_shows_it(tenant_a):
    record = account(tenant_a, "Planned Co", owner="sales")
    day = timezone.localdate() + datetime.timedelta(days=3)
    client = browser(tenant_a, "sales")
    response = client.post(
        f"/accounts/{record.pk}/activities/",
        {"kind": "call", "subject": "Pricing call", "next_contact_at": day.isoformat()},
        **htmx("timeline"),
    )
    assert response.status_code == 200 and "Pricing call" in response.content.decode()
    assert 'data-testid="next-contact"' in response.content.decode()
    with in_tenant(tenant_a):
        assert Activity.objects.get(subject="Pricing call").next_contact_at == day


def test_logging_without_a_date_on_a_followed_up_account_plans_by_its_frequency(tenant_a):
    record = account(tenant_a, "Derived Co", owner="sales", follow_up_days=5)
    browser(tenant_a, "sales").post(f"/accounts/{record.pk}/activities/", {"kind": "visit", "subject": "Visit"})
    with in_tenant(tenant_a):
        assert Activity.objects.get(subject="Visit").next_contact_at == timezone.localdate() + datetime.timedelta(5)


def _commented_activities(tenant, record, count):
    admin = user_of(tenant, "admin")
    with in_tenant(tenant):
        for i in range(count):
            activity = log_activity(by=admin, kind="call", subject=f"Commented {i}", account=record)
            comment_on_activity(activity=activity, by=admin, body=f"Remark {i}")
            comment_on_activity(activity=activity, by=user_of(tenant, "manager"), body=f"Second remark {i}")


def _page_queries(client, url):
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("role", ["sales", "admin"])
def test_an_account_page_with_many_commented_activities_runs_as_many_queries_as_with_two(tenant_a, role):
    record = account(tenant_a, "Commented Co", owner="sales")
    client = browser(tenant_a, role)
    _commented_activities(tenant_a, record, 2)
    few_page, few = _page_queries(client, f"/accounts/{record.pk}/")
    _commented_activities(tenant_a, record, 8)
    many_page, many = _page_queries(client, f"/accounts/{record.pk}/")
    assert few_page.count("Second remark") == 2 and many_page.count("Second remark") == 10
    assert len(many) == len(few), "\n".join(many)
