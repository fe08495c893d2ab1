"""A custom field is a sensitive field like a built-in one: the admin picks a
custom field of contacts (or of a custom object) as masked for a role, and that
role reads •••••• on its lists, record pages, edit forms, history and exports,
cannot search, filter or sort by it, and its forms never write it. The admin
sees the value everywhere."""

import csv
import io

import pytest

from crm.access.models import SensitiveField
from crm.access.permissions import MASK
from crm.builder import selectors as builder_selectors
from crm.builder import services as builder_services
from crm.builder.query import with_custom_fields
from crm.contacts.models import Contact
from tests.crm.accounts.factories import contact
from tests.crm.accounts.test_web import browser
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db

WECHAT = "wx-secret-4242"
VIN = "VIN-SECRET-9731"


def hide(tenant, module, field):
    """Mask `field` of `module` for sales as the admin does: picked on the access settings page."""
    response = browser(tenant, "admin").post(
        "/settings/access/fields/", {"field": f"{module}.{field}", "hidden_from": ["sales"]}
    )
    assert response.status_code == 302


@pytest.fixture
def records(tenant_a):
    """Sales's contact with a custom "wechat" value (a column of the contacts list)
    and sales's vehicle (a custom object) with a "vin"; neither masked yet."""
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        builder_services.create_field(by=admin, object_name="contacts", name="wechat", label="WeChat ID", type="text")
        builder_services.save_layout(by=admin, object_name="contacts", kind="list", sections=["wechat"])
        builder_services.create_object(by=admin, name="vehicle", label="Vehicle", label_plural="Vehicles")
        builder_services.create_field(by=admin, object_name="vehicle", name="vin", label="VIN", type="text")
        vehicle = builder_services.create_record(
            "vehicle", by=user_of(tenant_a, "sales"), name="Blue van", values={"vin": VIN}
        )
    person = contact(tenant_a, "Wendy", last_name="Wechat")
    with in_tenant(tenant_a):
        builder_services.set_custom_values(object_name="contacts", record_id=person.pk, values={"wechat": WECHAT})
    return {"contact": person, "vehicle": vehicle}


@pytest.fixture
def hidden(tenant_a, records):
    hide(tenant_a, "contacts", "wechat")
    hide(tenant_a, "vehicle", "vin")
    return records


def wechat_of(tenant, person):
    with in_tenant(tenant):
        fields = builder_selectors.fields_for("contacts")
        return (
            with_custom_fields(Contact.objects.filter(pk=person.pk), "contacts", fields)
            .values_list("wechat", flat=True)
            .get()
        )


def vin_of(tenant, vehicle):
    with in_tenant(tenant):
        record = builder_selectors.record_get_for_user(user_of(tenant, "admin"), "vehicle", vehicle.pk)
        return record.vin


# The admin's settings ------------------------------------------------------------------


def test_the_settings_page_offers_custom_fields_of_built_in_and_custom_objects(tenant_a, records):
    page = browser(tenant_a, "admin").get("/settings/access/").content.decode()
    assert 'value="contacts.wechat"' in page and "WeChat ID" in page
    assert 'value="vehicle.vin"' in page and "Vehicles" in page


def test_the_admin_masks_a_custom_field_from_the_settings_page(tenant_a, records):
    hide(tenant_a, "vehicle", "vin")
    with in_tenant(tenant_a):
        assert SensitiveField.objects.get(module="vehicle", field="vin").hidden_from == ["sales"]
    page = browser(tenant_a, "admin").get("/settings/access/").content.decode()
    assert "Vehicles" in page and "VIN" in page


# What sales sees ------------------------------------------------------------------------

PAGES = {
    "contact list": (lambda r: "/contacts/", WECHAT),
    "contact page": (lambda r: f"/contacts/{r['contact'].pk}/", WECHAT),
    "contact edit form": (lambda r: f"/contacts/{r['contact'].pk}/edit/", WECHAT),
    "vehicle list": (lambda r: "/objects/vehicle/", VIN),
    "vehicle page": (lambda r: f"/objects/vehicle/{r['vehicle'].pk}/", VIN),
    "vehicle edit form": (lambda r: f"/objects/vehicle/{r['vehicle'].pk}/edit/", VIN),
}


@pytest.mark.parametrize("name", PAGES)
def test_sales_sees_the_hidden_custom_field_masked(tenant_a, hidden, name):
    url, secret = PAGES[name]
    response = browser(tenant_a, "sales").get(url(hidden))
    assert response.status_code == 200
    page = response.content.decode()
    assert MASK in page and secret not in page


@pytest.mark.parametrize("name", PAGES)
def test_the_admin_sees_the_custom_field_on_the_same_pages(tenant_a, hidden, name):
    url, secret = PAGES[name]
    page = browser(tenant_a, "admin").get(url(hidden)).content.decode()
    assert secret in page


def test_the_edit_form_shows_the_hidden_custom_field_disabled(tenant_a, hidden):
    form = browser(tenant_a, "sales").get(f"/contacts/{hidden['contact'].pk}/edit/").content.decode()
    assert "disabled" in form.split('name="wechat"')[1].split(">")[0]


def test_editing_a_contact_as_sales_keeps_the_hidden_custom_value(tenant_a, hidden):
    person = hidden["contact"]
    response = browser(tenant_a, "sales").post(
        f"/contacts/{person.pk}/edit/",
        {"first_name": "Wendy", "last_name": "Wechat", "title": "Buyer", "wechat": "wx-overwritten"},
    )
    assert response.status_code == 302
    assert wechat_of(tenant_a, person) == WECHAT
    with in_tenant(tenant_a):
        assert Contact.objects.get(pk=person.pk).title == "Buyer"


def test_posting_the_mask_back_never_overwrites_the_custom_value(tenant_a, hidden):
    person = hidden["contact"]
    browser(tenant_a, "sales").post(f"/contacts/{person.pk}/edit/", {"first_name": "Wendy", "wechat": MASK})
    assert wechat_of(tenant_a, person) == WECHAT


def test_editing_a_vehicle_as_sales_keeps_the_hidden_custom_value(tenant_a, hidden):
    vehicle = hidden["vehicle"]
    response = browser(tenant_a, "sales").post(
        f"/objects/vehicle/{vehicle.pk}/edit/", {"name": "Red van", "vin": "VIN-OVERWRITTEN"}
    )
    assert response.status_code == 302
    assert vin_of(tenant_a, vehicle) == VIN
    with in_tenant(tenant_a):
        assert (
            builder_selectors.record_get_for_user(user_of(tenant_a, "admin"), "vehicle", vehicle.pk).name == "Red van"
        )


def test_the_history_masks_old_and_new_values_of_a_hidden_custom_field(tenant_a, hidden):
    person = hidden["contact"]
    with in_tenant(tenant_a):
        builder_services.set_custom_values(
            object_name="contacts", record_id=person.pk, values={"wechat": "wx-new-7777"}, by=user_of(tenant_a, "admin")
        )
    sales_page = browser(tenant_a, "sales").get(f"/contacts/{person.pk}/").content.decode()
    assert "contact.updated" in sales_page and "WeChat ID" in sales_page
    assert "7777" not in sales_page and WECHAT not in sales_page
    assert "wx-new-7777" in browser(tenant_a, "admin").get(f"/contacts/{person.pk}/").content.decode()


# Probing the hidden value ---------------------------------------------------------------


def test_searching_the_contact_list_for_the_hidden_value_finds_nothing(tenant_a, hidden):
    assert "Wendy Wechat" not in browser(tenant_a, "sales").get(f"/contacts/?q={WECHAT}").content.decode()
    assert "Wendy Wechat" in browser(tenant_a, "admin").get(f"/contacts/?q={WECHAT}").content.decode()


def test_searching_the_vehicle_list_for_the_hidden_value_finds_nothing(tenant_a, hidden):
    assert "Blue van" not in browser(tenant_a, "sales").get(f"/objects/vehicle/?q={VIN}").content.decode()
    assert "Blue van" in browser(tenant_a, "admin").get(f"/objects/vehicle/?q={VIN}").content.decode()


@pytest.mark.parametrize(
    ("url", "name", "key"), [("/contacts/", "Wendy Wechat", "wechat"), ("/objects/vehicle/", "Blue van", "vin")]
)
def test_filtering_a_list_by_the_hidden_value_answers_as_for_any_other_value(tenant_a, hidden, url, name, key):
    client = browser(tenant_a, "sales")
    secret = WECHAT if key == "wechat" else VIN
    by_secret = name in client.get(f"{url}?{key}={secret}").content.decode()
    by_other = name in client.get(f"{url}?{key}=no-such-value").content.decode()
    assert by_secret == by_other
    # The admin's filter does filter.
    admin = browser(tenant_a, "admin")
    assert name in admin.get(f"{url}?{key}={secret}").content.decode()
    assert name not in admin.get(f"{url}?{key}=no-such-value").content.decode()


@pytest.mark.parametrize(("url", "key"), [("/contacts/", "wechat"), ("/objects/vehicle/", "vin")])
def test_the_list_offers_no_filter_and_no_sort_on_the_hidden_custom_field(tenant_a, hidden, url, key):
    page = browser(tenant_a, "sales").get(url).content.decode()
    assert f"sort={key}" not in page and f'name="{key}"' not in page
    admin_page = browser(tenant_a, "admin").get(url).content.decode()
    assert f"sort={key}" in admin_page and f'name="{key}"' in admin_page


# Exports --------------------------------------------------------------------------------


def _csv(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("url", "key", "secret"),
    [
        ("/contacts/export/?file_format=csv&values=codes", "wechat", WECHAT),
        ("/objects/vehicle/export/?file_format=csv&values=codes", "vin", VIN),
    ],
)
def test_the_export_masks_the_hidden_custom_column(tenant_a, hidden, url, key, secret):
    [row] = _csv(browser(tenant_a, "sales").get(url))
    assert row[key] == MASK
    [row] = _csv(browser(tenant_a, "admin").get(url))
    assert row[key] == secret
