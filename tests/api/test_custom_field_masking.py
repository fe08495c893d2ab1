"""Sensitive custom fields in the API: a custom field of contacts or of a custom
object masked for sales reads •••••• for sales (list and detail), refuses their
writes (400 naming it, the value unchanged), and cannot be probed: a filter on it
is a 400, a search does not look into it, a sort on it is ignored. The same now
holds for a masked built-in field. The admin sees and uses everything."""

import pytest

from crm.access.permissions import MASK
from crm.builder import services as builder_services
from crm.contacts.services import create_contact
from tests.crm.test_custom_field_masking import hide
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db

WECHAT = "wx-secret-4242"
VIN = "VIN-SECRET-9731"


def client_of(tenant, who):
    return api_client(tenant, user_of(tenant, who))


@pytest.fixture
def hidden(tenant_a):
    """Sales's contact with a custom "wechat" and sales's vehicle with a "vin",
    both fields masked for sales; a second contact and vehicle without a value."""
    admin, sales = user_of(tenant_a, "admin"), user_of(tenant_a, "sales")
    with in_tenant(tenant_a):
        builder_services.create_field(by=admin, object_name="contacts", name="wechat", label="WeChat ID", type="text")
        builder_services.create_object(by=admin, name="vehicle", label="Vehicle", label_plural="Vehicles")
        builder_services.create_field(by=admin, object_name="vehicle", name="vin", label="VIN", type="text")
        person = create_contact(by=admin, first_name="Wendy", last_name="Wechat", owner=sales)
        builder_services.set_custom_values(object_name="contacts", record_id=person.pk, values={"wechat": WECHAT})
        create_contact(by=admin, first_name="Other", owner=sales)
        vehicle = builder_services.create_record("vehicle", by=sales, name="Blue van", values={"vin": VIN})
        builder_services.create_record("vehicle", by=sales, name="Bare van")
    hide(tenant_a, "contacts", "wechat")
    hide(tenant_a, "vehicle", "vin")
    return {"contact": person, "vehicle": vehicle}


CASES = {
    "contacts": ("/api/v1/contacts/", "contact", "wechat", WECHAT),
    "vehicle": ("/api/v1/objects/vehicle/", "vehicle", "vin", VIN),
}


def current(tenant, hidden, case):
    base, record, key, _secret = CASES[case]
    return client_of(tenant, "admin").get(f"{base}{hidden[record].pk}/").json()[key]


@pytest.mark.parametrize("case", CASES)
def test_sales_reads_the_hidden_custom_field_masked_and_the_admin_reads_it(tenant_a, hidden, case):
    base, record, key, secret = CASES[case]
    sales = client_of(tenant_a, "sales")
    assert sales.get(f"{base}{hidden[record].pk}/").json()[key] == MASK
    values = {row["id"]: row[key] for row in sales.get(base).json()["results"]}
    assert values[hidden[record].pk] == MASK
    assert set(values.values()) == {MASK, None}  # no value stays null: "empty" is no secret
    assert current(tenant_a, hidden, case) == secret


@pytest.mark.parametrize("case", CASES)
def test_sales_cannot_write_the_hidden_custom_field(tenant_a, hidden, case):
    base, record, key, secret = CASES[case]
    response = client_of(tenant_a, "sales").patch(f"{base}{hidden[record].pk}/", {key: "changed"}, format="json")
    assert response.status_code == 400 and list(response.json()) == [key]
    assert current(tenant_a, hidden, case) == secret


@pytest.mark.parametrize("case", CASES)
def test_filtering_by_the_hidden_custom_field_is_refused(tenant_a, hidden, case):
    base, _record, key, secret = CASES[case]
    sales = client_of(tenant_a, "sales")
    for param in (key, f"{key}__isnull"):
        response = sales.get(base, {param: secret if param == key else "false"})
        assert response.status_code == 400 and list(response.json()) == [param]
    assert client_of(tenant_a, "admin").get(base, {key: secret}).json()["count"] == 1


@pytest.mark.parametrize("case", CASES)
def test_searching_for_the_hidden_value_finds_what_a_missing_value_finds(tenant_a, hidden, case):
    base, _record, _key, secret = CASES[case]
    sales = client_of(tenant_a, "sales")
    assert sales.get(base, {"search": secret}).json()["count"] == 0
    assert sales.get(base, {"search": "no-such-value"}).json()["count"] == 0
    assert client_of(tenant_a, "admin").get(base, {"search": secret}).json()["count"] == 1


@pytest.mark.parametrize("case", CASES)
def test_sorting_by_the_hidden_custom_field_is_ignored(tenant_a, hidden, case):
    base, _record, key, _secret = CASES[case]
    sales = client_of(tenant_a, "sales")
    ids = [row["id"] for row in sales.get(base).json()["results"]]
    for ordering in (key, f"-{key}"):
        assert [row["id"] for row in sales.get(base, {"ordering": ordering}).json()["results"]] == ids
    admin = client_of(tenant_a, "admin")
    assert [row["id"] for row in admin.get(base, {"ordering": key}).json()["results"]] != [
        row["id"] for row in admin.get(base, {"ordering": f"-{key}"}).json()["results"]
    ]


@pytest.mark.parametrize("case", CASES)
def test_the_api_export_masks_the_hidden_custom_column(tenant_a, hidden, case):
    base, _record, _key, secret = CASES[case]
    sales_export = client_of(tenant_a, "sales").get(f"{base}export/", {"file_format": "csv"})
    assert sales_export.status_code == 200
    text = sales_export.content.decode("utf-8-sig")
    assert MASK in text and secret not in text
    assert secret in client_of(tenant_a, "admin").get(f"{base}export/", {"file_format": "csv"}).content.decode()


def test_the_admin_masks_a_custom_objects_field_through_the_api(tenant_a, hidden):
    admin = client_of(tenant_a, "admin")
    response = admin.post(
        "/api/v1/access/sensitive-fields/",
        {"module": "vehicle", "field": "vin", "hidden_from": ["director"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    vehicle = hidden["vehicle"]
    assert client_of(tenant_a, "director").get(f"/api/v1/objects/vehicle/{vehicle.pk}/").json()["vin"] == MASK
    assert client_of(tenant_a, "sales").get(f"/api/v1/objects/vehicle/{vehicle.pk}/").json()["vin"] == VIN


# A masked built-in field, which the API now guards the same way ---------------------------


@pytest.fixture
def email_hidden(tenant_a):
    with in_tenant(tenant_a):
        create_contact(
            by=user_of(tenant_a, "admin"),
            first_name="Mara",
            email="mara.secret@maskco.test",
            owner=user_of(tenant_a, "sales"),
        )
    hide(tenant_a, "contacts", "email")


def test_a_masked_built_in_field_is_not_searched_filtered_or_sorted_by(tenant_a, email_hidden):
    sales = client_of(tenant_a, "sales")
    assert sales.get("/api/v1/contacts/", {"search": "mara.secret"}).json()["count"] == 0
    refused = sales.get("/api/v1/contacts/", {"email": "mara.secret@maskco.test"})
    assert refused.status_code == 400 and list(refused.json()) == ["email"]
    assert sales.get("/api/v1/contacts/", {"ordering": "email"}).status_code == 200
    admin = client_of(tenant_a, "admin")
    assert admin.get("/api/v1/contacts/", {"search": "mara.secret"}).json()["count"] == 1
    assert admin.get("/api/v1/contacts/", {"email": "mara.secret@maskco.test"}).json()["count"] == 1


def test_a_role_the_field_is_not_hidden_from_filters_by_it(tenant_a, hidden):
    assert client_of(tenant_a, "director").get("/api/v1/contacts/", {"wechat": WECHAT}).json()["count"] == 1


@pytest.mark.parametrize(
    ("case", "history"),
    [("contacts", "/api/v1/contacts/{pk}/history/"), ("vehicle", "/api/v1/objects/vehicle/{pk}/history/")],
)
def test_the_api_history_masks_old_and_new_values_of_the_hidden_custom_field(tenant_a, hidden, case, history):
    _base, record, key, secret = CASES[case]
    with in_tenant(tenant_a):
        builder_services.set_custom_values(
            object_name="contacts" if case == "contacts" else "vehicle",
            record_id=hidden[record].pk,
            values={key: "NEW-7777"},
            by=user_of(tenant_a, "admin"),
        )
    url = history.format(pk=hidden[record].pk)
    # Newest first: the change just made.
    change = next(
        row["payload"][key] for row in client_of(tenant_a, "sales").get(url).json()["results"] if key in row["payload"]
    )
    assert change["old"] == MASK and change["new"] == MASK and change["label"]
    change = next(
        row["payload"][key] for row in client_of(tenant_a, "admin").get(url).json()["results"] if key in row["payload"]
    )
    assert (change["old"], change["new"]) == (secret, "NEW-7777")


def test_the_api_history_masks_a_hidden_built_in_field(tenant_a, email_hidden):
    sales = client_of(tenant_a, "sales")
    contact_id = sales.get("/api/v1/contacts/", {"search": "Mara"}).json()["results"][0]["id"]
    client_of(tenant_a, "admin").patch(
        f"/api/v1/contacts/{contact_id}/", {"email": "mara.new@maskco.test"}, format="json"
    )
    payloads = [row["payload"] for row in sales.get(f"/api/v1/contacts/{contact_id}/history/").json()["results"]]
    assert [MASK, MASK] in [payload.get("email") for payload in payloads]
    assert "mara.new" not in str(payloads)
