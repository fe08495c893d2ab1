"""The module builder's pages (crm/web/settings/customize/) and custom fields
and objects on the CRM's pages: only the admin customizes; a field added on the
page is on the contact form, list and page at once; bad input comes back inline
with nothing made; deleting asks first and can be undone."""

import re

import pytest
from django.test import Client

from crm.accounts.services import create_account
from crm.builder import services as builder_services
from crm.builder.models import CustomField, CustomObject, Layout
from crm.builder.selectors import fields_for
from crm.contacts.models import Contact
from crm.contacts.services import create_contact
from crm.deals.services import create_deal
from crm.leads.services import create_lead
from tests.tenancy import host, in_tenant, user_of

pytestmark = pytest.mark.django_db

NON_ADMINS = ("director", "manager", "sales")


def browser(tenant, local, htmx=False):
    client = Client(HTTP_HOST=host(tenant), **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, local))
    return client


def text(response):
    return response.content.decode()


@pytest.fixture
def admin(tenant_a):
    return browser(tenant_a, "admin")


def add_field(tenant, object_name="contacts", name="wechat_id", label="WeChat", type="text", **options):
    with in_tenant(tenant):
        return builder_services.create_field(
            by=user_of(tenant, "admin"), object_name=object_name, name=name, label=label, type=type, **options
        )


def live_fields(tenant, object_name="contacts"):
    with in_tenant(tenant):
        return [f.name for f in fields_for(object_name, include_hidden=True)]


# Admin only ------------------------------------------------------------------------


def customize_urls(tenant):
    field = add_field(tenant)
    return [
        "/settings/customize/",
        "/settings/customize/contacts/",
        "/settings/customize/contacts/fields/new/",
        "/settings/customize/contacts/fields/new/?type=choice",
        "/settings/customize/contacts/layout/form/",
        "/settings/customize/contacts/layout/list/",
        "/settings/customize/objects/new/",
        f"/settings/customize/fields/{field.pk}/edit/",
        f"/settings/customize/fields/{field.pk}/delete/",
    ]


def test_the_admin_opens_every_customize_page(tenant_a, admin):
    for url in customize_urls(tenant_a):
        assert admin.get(url).status_code == 200, url


@pytest.mark.parametrize("role", NON_ADMINS)
def test_the_customize_pages_are_a_404_for_a_non_admin_and_their_posts_change_nothing(tenant_a, role):
    client = browser(tenant_a, role)
    for url in customize_urls(tenant_a):
        assert client.get(url).status_code == 404, url
    with in_tenant(tenant_a):
        field = CustomField.objects.get(name="wechat_id")
    posts = [
        ("/settings/customize/contacts/fields/new/", {"label": "Sneaky", "name": "sneaky", "type": "text"}),
        ("/settings/customize/objects/new/", {"label": "Car", "label_plural": "Cars", "name": "car"}),
        (f"/settings/customize/fields/{field.pk}/edit/", {"label": "Renamed"}),
        (f"/settings/customize/fields/{field.pk}/hide/", {"hidden": "1"}),
        (f"/settings/customize/fields/{field.pk}/delete/", {}),
        ("/settings/customize/contacts/layout/list/", {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    with in_tenant(tenant_a):
        field.refresh_from_db()
        assert (field.label, field.hidden, field.deleted_at) == ("WeChat", False, None)
        assert not CustomField.objects.filter(name="sneaky").exists()
        assert not CustomObject.objects.exists() and not Layout.objects.exists()


def test_the_settings_pages_link_to_customize(admin):
    assert 'href="/settings/customize/"' in text(admin.get("/settings/"))


# Fields ----------------------------------------------------------------------------


def test_a_field_added_on_the_page_is_on_the_contact_form_list_and_page(tenant_a, admin):
    response = admin.post(
        "/settings/customize/contacts/fields/new/",
        {
            "label": "Shoe size",
            "name": "shoe_size",
            "type": "integer",
            "min_value": "20",
            "max_value": "50",
            "help_text": "EU sizes",
            "show_on_list": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/settings/customize/contacts/"
    assert "shoe_size" in live_fields(tenant_a)

    form = text(admin.get("/contacts/new/"))
    assert 'name="shoe_size"' in form and "Shoe size" in form and "EU sizes" in form
    response = admin.post("/contacts/new/", {"first_name": "Ada", "last_name": "Size", "shoe_size": "42"})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        contact = Contact.objects.get(last_name="Size")
    assert 'data-testid="custom-shoe_size">42<' in text(admin.get(f"/contacts/{contact.pk}/"))
    listing = text(admin.get("/contacts/"))
    assert "Shoe size" in listing.split("</thead>")[0]
    assert re.search(r"<td[^>]*>42</td>", listing)


def test_a_value_out_of_range_is_refused_next_to_the_field_and_no_contact_is_made(tenant_a, admin):
    add_field(tenant_a, name="shoe_size", label="Shoe size", type="integer", max_value=50)
    response = admin.post("/contacts/new/", {"first_name": "Ada", "last_name": "Toolarge", "shoe_size": "51"})
    assert response.status_code == 400
    assert 'id="id_shoe_size-error"' in text(response)
    assert 'value="Toolarge"' in text(response)  # nothing typed is lost
    with in_tenant(tenant_a):
        assert not Contact.objects.filter(last_name="Toolarge").exists()


def test_an_integer_fields_limits_read_as_whole_numbers_in_the_message(tenant_a, admin):
    add_field(tenant_a, name="shoe_size", label="Shoe size", type="integer", min_value=1, max_value=50)
    low = admin.post("/contacts/new/", {"first_name": "Ada", "last_name": "Low", "shoe_size": "0"})
    assert "greater than or equal to 1." in text(low)
    assert "1.0000" not in text(low)
    high = admin.post("/contacts/new/", {"first_name": "Ada", "last_name": "High", "shoe_size": "51"})
    assert "less than or equal to 50." in text(high)
    assert "50.0000" not in text(high)


def test_editing_a_contact_keeps_and_changes_its_custom_value(tenant_a, admin):
    add_field(tenant_a)
    admin.post("/contacts/new/", {"first_name": "Wei", "last_name": "Chat", "wechat_id": "wei-1"})
    with in_tenant(tenant_a):
        contact = Contact.objects.get(last_name="Chat")
    assert 'value="wei-1"' in text(admin.get(f"/contacts/{contact.pk}/edit/"))
    admin.post(f"/contacts/{contact.pk}/edit/", {"first_name": "Wei", "last_name": "Chat", "wechat_id": "wei-2"})
    assert ">wei-2<" in text(admin.get(f"/contacts/{contact.pk}/"))


def test_the_contact_list_filters_and_sorts_by_a_custom_field(tenant_a, admin):
    add_field(
        tenant_a,
        name="tier",
        label="Tier",
        type="choice",
        choices=[{"value": "gold", "label": "Gold", "color": "#eab308"}, {"value": "iron", "label": "Iron"}],
    )
    add_field(tenant_a, name="score", label="Score", type="integer")
    admin_user = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        for last, tier, score in (("Goldie", "gold", 3), ("Ironside", "iron", 1), ("Goldberg", "gold", 2)):
            contact = create_contact(by=admin_user, first_name="T", last_name=last)
            builder_services.set_custom_values(
                object_name="contacts", record_id=contact.pk, values={"tier": tier, "score": score}
            )
    admin.post(
        "/settings/customize/contacts/layout/list/",
        {"show_tier": "1", "order_tier": "1", "show_score": "1", "order_score": "2"},
    )
    gold = text(admin.get("/contacts/?tier=gold&sort=score"))
    assert "Ironside" not in gold
    assert gold.index("Goldberg") < gold.index("Goldie")
    descending = text(admin.get("/contacts/?tier=gold&sort=-score"))
    assert descending.index("Goldie") < descending.index("Goldberg")
    assert "Ironside" in text(admin.get("/contacts/?score__lte=1")) and "Goldie" not in text(
        admin.get("/contacts/?score__lte=1")
    )
    # A value the field cannot hold matches nothing rather than failing.
    assert admin.get("/contacts/?score__gte=lots").status_code == 200


def test_a_bad_field_is_refused_inline_and_nothing_is_made(tenant_a, admin):
    response = admin.post(
        "/settings/customize/contacts/fields/new/", {"label": "E-mail again", "name": "email", "type": "text"}
    )
    assert response.status_code == 400
    content = text(response)
    assert 'id="id_name-error"' in content and "already used by the CRM" in content
    assert 'value="E-mail again"' in content
    response = admin.post(
        "/settings/customize/contacts/fields/new/", {"label": "Tier", "name": "tier", "type": "choice", "choices": ""}
    )
    assert response.status_code == 400 and 'id="id_choices-error"' in text(response)
    assert live_fields(tenant_a) == []


def test_choosing_another_type_redraws_the_form_with_its_options_and_keeps_the_label(tenant_a):
    client = browser(tenant_a, "admin", htmx=True)
    response = client.post(
        "/settings/customize/contacts/fields/new/", {"label": "Tier", "type": "choice", "retype": "1"}
    )
    assert response.status_code == 200
    content = text(response)
    assert content.startswith("<form") and 'name="choices"' in content and 'value="Tier"' in content
    assert live_fields(tenant_a) == []


def test_choices_come_in_order_with_their_colours(tenant_a, admin):
    admin.post(
        "/settings/customize/contacts/fields/new/",
        {"label": "Tier", "name": "tier", "type": "choice", "choices": "gold = Gold #eab308\nIron\nwood = Wood"},
    )
    with in_tenant(tenant_a):
        assert CustomField.objects.get(name="tier").choices == [
            {"value": "gold", "label": "Gold", "color": "#eab308"},
            {"value": "Iron", "label": "Iron", "color": ""},
            {"value": "wood", "label": "Wood", "color": ""},
        ]


def test_the_admin_renames_reorders_and_hides_a_field(tenant_a, admin):
    first = add_field(tenant_a)
    add_field(tenant_a, name="shoe_size", label="Shoe size", type="integer")
    assert admin.post(f"/settings/customize/fields/{first.pk}/edit/", {"label": "WeChat ID"}).status_code == 302
    admin.post(f"/settings/customize/fields/{first.pk}/move/", {"direction": "down"})
    assert live_fields(tenant_a) == ["shoe_size", "wechat_id"]
    admin.post(f"/settings/customize/fields/{first.pk}/hide/", {"hidden": "1"})
    assert 'name="wechat_id"' not in text(admin.get("/contacts/new/"))
    page = text(admin.get("/settings/customize/contacts/"))
    assert "WeChat ID" in page and "hidden" in page


def test_deleting_a_field_asks_first_then_it_can_be_restored(tenant_a, admin):
    field = add_field(tenant_a)
    confirm = admin.get(f"/settings/customize/fields/{field.pk}/delete/")
    assert confirm.status_code == 200 and "Delete the field WeChat?" in text(confirm)
    assert live_fields(tenant_a) == ["wechat_id"]
    assert admin.post(f"/settings/customize/fields/{field.pk}/delete/").status_code == 302
    assert live_fields(tenant_a) == []
    assert 'name="wechat_id"' not in text(admin.get("/contacts/new/"))
    page = text(admin.get("/settings/customize/contacts/"))
    assert 'data-testid="deleted-fields"' in page
    assert admin.post(f"/settings/customize/fields/{field.pk}/restore/").status_code == 302
    assert live_fields(tenant_a) == ["wechat_id"]


# Layouts ---------------------------------------------------------------------------


def test_the_form_layout_puts_fields_in_titled_sections_and_leaves_others_off(tenant_a, admin):
    add_field(tenant_a)
    data = {
        "sections": "2",
        "title_0": "Person",
        "title_1": "Social",
        "place_first_name": "0",
        "order_first_name": "1",
        "place_last_name": "0",
        "order_last_name": "2",
        "place_email": "0",
        "order_email": "3",
        "place_wechat_id": "1",
        "order_wechat_id": "1",
    }
    response = admin.post("/settings/customize/contacts/layout/form/", data)
    assert response.status_code == 302
    form = text(admin.get("/contacts/new/"))
    assert "<legend>Person</legend>" in form and "<legend>Social</legend>" in form
    assert form.index('name="email"') < form.index('name="wechat_id"')
    assert 'name="phone"' not in form


def test_a_required_field_stays_on_the_form(tenant_a, admin):
    response = admin.post("/settings/customize/contacts/layout/form/", {"sections": "1", "title_0": ""})
    assert response.status_code == 400 and "First name is required" in text(response)


# Custom objects --------------------------------------------------------------------


def test_a_custom_object_gets_a_menu_entry_a_list_a_form_and_a_page(tenant_a, admin):
    response = admin.post(
        "/settings/customize/objects/new/",
        {"label": "Vehicle", "label_plural": "Vehicles", "name": "vehicle", "icon": "🚗"},
    )
    assert response.status_code == 302 and response["Location"] == "/settings/customize/vehicle/"
    admin.post(
        "/settings/customize/vehicle/fields/new/",
        {"label": "Plate", "name": "plate", "type": "text", "show_on_list": "on"},
    )
    assert 'href="/objects/vehicle/"' in text(admin.get("/"))
    response = admin.post("/objects/vehicle/new/", {"name": "Blue van", "plate": "沪A 12345"})
    assert response.status_code == 302
    listing = text(admin.get("/objects/vehicle/"))
    assert "Blue van" in listing and "沪A 12345" in listing
    detail = text(admin.get(response["Location"]))
    assert "Blue van" in detail and "沪A 12345" in detail
    assert "Blue van" in text(admin.get("/objects/vehicle/?q=12345"))


def test_a_deleted_custom_object_leaves_the_menu_and_can_be_restored(tenant_a, admin):
    admin.post("/settings/customize/objects/new/", {"label": "Vehicle", "label_plural": "Vehicles", "name": "vehicle"})
    assert admin.get("/settings/customize/vehicle/delete/").status_code == 200
    assert admin.post("/settings/customize/vehicle/delete/").status_code == 302
    assert 'href="/objects/vehicle/"' not in text(admin.get("/"))
    assert admin.get("/objects/vehicle/").status_code == 404
    with in_tenant(tenant_a):
        vehicle = CustomObject.objects.get(name="vehicle")
    admin.post(f"/settings/customize/objects/{vehicle.pk}/restore/")
    assert admin.get("/objects/vehicle/").status_code == 200


def test_a_sales_user_sees_only_their_own_custom_records(tenant_a, admin):
    admin.post("/settings/customize/objects/new/", {"label": "Vehicle", "label_plural": "Vehicles", "name": "vehicle"})
    sales = browser(tenant_a, "sales")
    sales.post("/objects/vehicle/new/", {"name": "Mine"})
    browser(tenant_a, "sales2").post("/objects/vehicle/new/", {"name": "Theirs"})
    listing = text(sales.get("/objects/vehicle/"))
    assert "Mine" in listing and "Theirs" not in listing


def test_a_lookup_links_both_ways(tenant_a, admin):
    admin_user = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        account = create_account(by=admin_user, name="Northwind")
        builder_services.create_object(by=admin_user, name="vehicle", label="Vehicle", label_plural="Vehicles")
    add_field(tenant_a, object_name="vehicle", name="customer", label="Customer", type="lookup", target="accounts")
    assert 'hx-get="/pick/accounts/"' in text(admin.get("/objects/vehicle/new/"))
    assert f'data-value="{account.pk}"' in text(admin.get("/pick/accounts/", {"q": "North"}))
    response = admin.post("/objects/vehicle/new/", {"name": "Van", "customer": account.pk})
    assert response.status_code == 302
    vehicle_page = text(admin.get(response["Location"]))
    assert f'<a href="/accounts/{account.pk}/">Northwind</a>' in vehicle_page
    account_page = text(admin.get(f"/accounts/{account.pk}/"))
    assert 'data-testid="linked-vehicle-customer"' in account_page
    assert f'<a href="{response["Location"]}">Van</a>' in account_page
    # Someone who cannot see the account cannot pick it, nor post its id.
    sales = browser(tenant_a, "sales")
    assert "Northwind" not in text(sales.get("/pick/accounts/", {"q": "North"}))
    refused = sales.post("/objects/vehicle/new/", {"name": "Stolen van", "customer": account.pk})
    assert refused.status_code == 400 and "Select a valid choice" in text(refused)


def test_the_admin_renames_a_custom_object_and_changes_its_icon(tenant_a, admin):
    admin.post("/settings/customize/objects/new/", {"label": "Vehicle", "label_plural": "Vehicles", "name": "vehicle"})
    assert admin.get("/settings/customize/vehicle/edit/").status_code == 200
    response = admin.post("/settings/customize/vehicle/edit/", {"label": "Car", "label_plural": "Cars", "icon": "🚗"})
    assert response.status_code == 302
    assert "🚗 Cars" in text(admin.get("/"))
    assert browser(tenant_a, "sales").get("/settings/customize/vehicle/edit/").status_code == 404


@pytest.mark.parametrize(
    ("object_name", "url", "make"),
    [
        ("contacts", "/contacts/", lambda by: create_contact(by=by, first_name="Searched", last_name="One")),
        ("accounts", "/accounts/", lambda by: create_account(by=by, name="Searched Ltd")),
        ("leads", "/leads/", lambda by: create_lead(by=by, first_name="Searched", company="Lead Co")),
        ("deals", "/deals/list/", lambda by: create_deal(by=by, name="Searched deal")),
    ],
)
def test_the_search_box_finds_text_in_a_custom_field(tenant_a, admin, object_name, url, make):
    add_field(tenant_a, object_name=object_name)
    with in_tenant(tenant_a):
        record = make(user_of(tenant_a, "admin"))
        builder_services.set_custom_values(
            object_name=object_name, record_id=record.pk, values={"wechat_id": "wx-needle-7"}
        )
    assert "Searched" in text(admin.get(f"{url}?q=needle"))
    assert "Searched" not in text(admin.get(f"{url}?q=haystack"))


def test_the_builder_pages_speak_chinese(tenant_a):
    add_field(tenant_a, name="tier", label="等级", type="choice", choices=[{"value": "gold", "label": "金"}])
    client = browser(tenant_a, "admin")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    page = text(client.get("/settings/customize/contacts/"))
    assert "添加字段" in page and "表单布局" in page and "单选" in page
    form = text(client.get("/settings/customize/contacts/fields/new/?type=choice"))
    assert "选项" in form and "在列表中显示为一列" in form
    assert "等级" in text(client.get("/contacts/new/"))


def test_the_edit_form_shows_the_fields_options_as_they_were_given(tenant_a, admin):
    field = add_field(tenant_a, name="shoe_size", label="Shoe size", type="integer", min_value=20, max_value=50)
    form = text(admin.get(f"/settings/customize/fields/{field.pk}/edit/"))
    assert 'name="min_value" value="20"' in form and 'name="max_value" value="50"' in form
    response = admin.post(
        f"/settings/customize/fields/{field.pk}/edit/", {"label": "Shoe size", "min_value": "20", "max_value": "10"}
    )
    assert response.status_code == 400 and 'id="id_max_value-error"' in text(response)
    with in_tenant(tenant_a):
        field.refresh_from_db()
        assert field.max_value == 50


def add_every_type(tenant):
    admin_user = user_of(tenant, "admin")
    with in_tenant(tenant):
        account = create_account(by=admin_user, name="Typed Account")
    options = {
        "text": {},
        "long_text": {},
        "integer": {"max_value": 100},
        "decimal": {"decimal_places": 2},
        "currency": {},
        "date": {},
        "datetime": {},
        "boolean": {},
        "choice": {"choices": [{"value": "a", "label": "Alpha"}, {"value": "b", "label": "Beta"}]},
        "multi_choice": {"choices": [{"value": "x", "label": "Ex"}, {"value": "y", "label": "Why"}]},
        "email": {},
        "url": {},
        "phone": {},
        "lookup": {"target": "accounts"},
    }
    for kind, extra in options.items():
        add_field(tenant, name=f"f_{kind}", label=f"F {kind}", type=kind, **extra)
    return account


def test_every_field_type_is_filled_on_the_form_and_shown_on_the_page(tenant_a, admin):
    account = add_every_type(tenant_a)
    response = admin.post(
        "/contacts/new/",
        {
            "first_name": "Typed",
            "last_name": "Contact",
            "f_text": "hello",
            "f_long_text": "line one\nline two",
            "f_integer": "42",
            "f_decimal": "3.14",
            "f_currency": "99.50",
            "f_date": "2025-03-01",
            "f_datetime": "2025-03-01T09:30",
            "f_boolean": "on",
            "f_choice": "b",
            "f_multi_choice": ["x", "y"],
            "f_email": "t@example.test",
            "f_url": "https://example.test/x",
            "f_phone": "+86 138 0000 0000",
            "f_lookup": account.pk,
        },
    )
    assert response.status_code == 302, text(response)
    page = text(admin.get(response["Location"]))
    for shown in (
        "hello",
        "42",
        "3.14",
        "99.50",
        "Beta",
        "Ex",
        "Why",
        "mailto:t@example.test",
        "https://example.test/x",
        "tel:+86 138 0000 0000",
        f'href="/accounts/{account.pk}/"',
    ):
        assert shown in page, shown
    assert 'data-testid="custom-f_boolean">Yes<' in page
    edit = text(admin.get(response["Location"] + "edit/"))
    assert 'value="2025-03-01"' in edit and 'value="2025-03-01T09:30"' in edit


def test_bad_values_of_each_type_are_refused_next_to_their_fields(tenant_a, admin):
    add_every_type(tenant_a)
    response = admin.post(
        "/contacts/new/",
        {
            "first_name": "Typed",
            "last_name": "Refused",
            "f_integer": "101",
            "f_decimal": "1.234",
            "f_date": "2025-02-30",
            "f_choice": "z",
            "f_email": "nope",
            "f_url": "ftp://x",
            "f_phone": "call me",
            "f_lookup": "999999999",
        },
    )
    assert response.status_code == 400
    content = text(response)
    for name in ("integer", "decimal", "date", "choice", "email", "url", "phone", "lookup"):
        assert f'id="id_f_{name}-error"' in content, name
    with in_tenant(tenant_a):
        assert not Contact.objects.filter(last_name="Refused").exists()
