"""CONTRACT.md "Module builder" over the API: custom fields are top-level keys
of records (read, write, filter, sort, search), checked by Python and PostgreSQL."""

import pytest
from django.db import connection

from crm.builder import objects
from crm.contacts.models import Contact
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db

FIELDS = "/api/v1/customization/fields/"


def admin_client(tenant):
    return api_client(tenant, user_of(tenant, "admin"))


def add_field(tenant, **body):
    body.setdefault("object", "contacts")
    body.setdefault("label", body["name"].title())
    response = admin_client(tenant).post(FIELDS, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


# type, options, good value (as sent), as read back, bad value, a second value sorting after the first
TYPES = [
    ("text", {"max_length": 20}, "wx-1", "wx-1", "x" * 21, "wx-2"),
    ("long_text", {}, "many words", "many words", 12, "more words"),
    ("integer", {"min_value": 0, "max_value": 1000}, 7, 7, 1001, 70),
    ("decimal", {"decimal_places": 3}, "1.250", "1.250", "1.2345", "2.5"),
    ("currency", {}, "19.99", "19.99", "abc", "120"),
    ("date", {}, "2025-03-01", "2025-03-01", "2025-02-30", "2025-04-01"),
    ("datetime", {}, "2025-03-01T10:00:00Z", "2025-03-01T10:00:00Z", "yesterday", "2025-03-02T10:00:00Z"),
    ("boolean", {}, False, False, "yes", True),
    (
        "choice",
        {"choices": [{"value": "gold", "label": "Gold", "color": "#fc0"}, "silver"]},
        "gold",
        "gold",
        "bronze",
        "silver",
    ),
    ("multi_choice", {"choices": ["red", "blue"]}, ["red"], ["red"], ["green"], ["red", "blue"]),
    ("email", {}, "a@example.test", "a@example.test", "not-an-email", "b@example.test"),
    ("url", {}, "https://example.test/a", "https://example.test/a", "ftp://x", "https://example.test/b"),
    ("phone", {}, "+1 555 0100", "+1 555 0100", "call me", "+1 555 0200"),
]


@pytest.mark.parametrize(("kind", "options", "good", "read", "bad", "_later"), TYPES, ids=[t[0] for t in TYPES])
def test_each_type_takes_good_values_and_refuses_bad_ones_naming_the_field(
    tenant_a, kind, options, good, read, bad, _later
):
    add_field(tenant_a, name="extra", type=kind, **options)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    created = client.post("/api/v1/contacts/", {"first_name": "Ann", "extra": good}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["extra"] == read
    assert client.get(f"/api/v1/contacts/{created.json()['id']}/").json()["extra"] == read
    refused = client.post("/api/v1/contacts/", {"first_name": "Bob", "extra": bad}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()) == ["extra"]
    patched = client.patch(f"/api/v1/contacts/{created.json()['id']}/", {"extra": bad}, format="json")
    assert patched.status_code == 400 and list(patched.json()) == ["extra"]
    with in_tenant(tenant_a):
        assert not Contact.objects.filter(first_name="Bob").exists()


@pytest.mark.parametrize(("kind", "options", "first", "_read", "_bad", "later"), TYPES, ids=[t[0] for t in TYPES])
def test_each_type_filters_sorts_and_text_searches(tenant_a, kind, options, first, _read, _bad, later):
    add_field(tenant_a, name="extra", type=kind, **options)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    one = client.post("/api/v1/contacts/", {"first_name": "One", "extra": first}, format="json").json()
    two = client.post("/api/v1/contacts/", {"first_name": "Two", "extra": later}, format="json").json()
    if kind != "long_text":
        value = first[0] if isinstance(first, list) else first
        value = str(value).lower() if isinstance(value, bool) else value
        found = client.get("/api/v1/contacts/", {"extra": value}).json()["results"]
        assert one["id"] in [r["id"] for r in found]
        if kind != "multi_choice":
            assert two["id"] not in [r["id"] for r in found]
    if kind not in ("long_text", "multi_choice"):
        ids = [r["id"] for r in client.get("/api/v1/contacts/", {"ordering": "extra"}).json()["results"]]
        assert ids.index(one["id"]) < ids.index(two["id"])
        ids = [r["id"] for r in client.get("/api/v1/contacts/", {"ordering": "-extra"}).json()["results"]]
        assert ids.index(two["id"]) < ids.index(one["id"])
    if kind in ("text", "long_text", "email", "url", "phone"):
        term = str(first)[1:5]
        found = [r["id"] for r in client.get("/api/v1/contacts/", {"search": term}).json()["results"]]
        assert one["id"] in found


def test_range_filters_on_numbers_and_dates(tenant_a):
    add_field(tenant_a, name="score", type="integer")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    low = client.post("/api/v1/contacts/", {"first_name": "Low", "score": 3}, format="json").json()
    high = client.post("/api/v1/contacts/", {"first_name": "High", "score": 30}, format="json").json()
    assert [r["id"] for r in client.get("/api/v1/contacts/?score__gte=10").json()["results"]] == [high["id"]]
    assert [r["id"] for r in client.get("/api/v1/contacts/?score__lt=10").json()["results"]] == [low["id"]]
    bad = client.get("/api/v1/contacts/?score=ten")
    assert bad.status_code == 400 and list(bad.json()) == ["score"]


def test_a_required_field_is_required_on_create_but_not_on_patch(tenant_a):
    with in_tenant(tenant_a):
        pass
    add_field(tenant_a, name="tier", type="choice", choices=["a", "b"], required=True, default="a")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    created = client.post("/api/v1/contacts/", {"first_name": "Ann"}, format="json")
    assert created.status_code == 201 and created.json()["tier"] == "a"
    null = client.patch(f"/api/v1/contacts/{created.json()['id']}/", {"tier": None}, format="json")
    assert null.status_code == 400 and list(null.json()) == ["tier"]


def test_the_field_definition_api_refuses_bad_input_naming_it(tenant_a):
    client = admin_client(tenant_a)
    cases = [
        ({"object": "contacts", "name": "email", "label": "E", "type": "text"}, "name"),
        ({"object": "contacts", "name": "Bad Name", "label": "E", "type": "text"}, "name"),
        ({"object": "contacts", "name": "cf_x", "label": "E", "type": "text"}, "name"),
        ({"object": "nothing", "name": "x", "label": "E", "type": "text"}, "object"),
        ({"object": "contacts", "name": "x", "label": "E", "type": "colour"}, "type"),
        ({"object": "contacts", "name": "x", "label": "E", "type": "integer", "default": "many"}, "default"),
        ({"object": "contacts", "name": "x", "label": "E", "type": "choice"}, "choices"),
        ({"object": "contacts", "name": "x", "label": "E", "type": "lookup", "target": "nothing"}, "target"),
        ({"object": "contacts", "name": "x", "label": "E", "type": "text", "required": True}, "required"),
        ({"object": "contacts", "name": "x", "label": "E", "type": "text", "min_value": 3}, "min_value"),
    ]
    for body, key in cases:
        response = client.post(FIELDS, body, format="json")
        assert response.status_code == 400, body
        assert key in response.json(), (body, response.json())
    with in_tenant(tenant_a), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND column_name LIKE 'cf\\_%%'"
        )
        assert cursor.fetchone()[0] == 0


def test_only_admins_customize(tenant_a):
    response = api_client(tenant_a, user_of(tenant_a, "director")).post(
        FIELDS, {"object": "contacts", "name": "x", "label": "X", "type": "text"}, format="json"
    )
    assert response.status_code == 403


def test_every_key_and_filter_of_the_record_api_is_a_reserved_name():
    from api.accounts import AccountViewSet
    from api.contacts import ContactViewSet
    from api.deals import DealViewSet
    from api.leads import LeadViewSet

    for object_name, view in (
        ("accounts", AccountViewSet),
        ("contacts", ContactViewSet),
        ("leads", LeadViewSet),
        ("deals", DealViewSet),
    ):
        used = set(view.serializer_class().fields)
        if getattr(view, "filterset_class", None):
            used |= set(view.filterset_class.base_filters)
        used |= set(getattr(view, "filterset_fields", None) or ())
        assert used <= objects.builtin_names(object_name), (object_name, used - objects.builtin_names(object_name))


def test_the_openapi_document_describes_the_tenants_own_fields_and_objects_only(tenant_a, tenant_b):
    add_field(tenant_a, name="wechat_id", type="text")
    admin_client(tenant_a).post(
        "/api/v1/customization/objects/",
        {"name": "vehicle", "label": "Vehicle", "label_plural": "Vehicles"},
        format="json",
    )
    add_field(tenant_a, object="vehicle", name="plate", type="text", required=True)
    mine = admin_client(tenant_a).get("/api/schema/?format=json")
    assert mine.status_code == 200
    document = mine.json()
    assert "wechat_id" in document["components"]["schemas"]["Contact"]["properties"]
    assert "wechat_id" in document["components"]["schemas"]["PatchedContactRequest"]["properties"]
    assert "/api/v1/objects/vehicle/" in document["paths"]
    assert "/api/v1/objects/vehicle/{id}/" in document["paths"]
    assert "/api/v1/objects/{object_name}/" not in document["paths"]
    assert document["components"]["schemas"]["VehicleRecordRequest"]["required"] == ["name", "plate"]
    list_parameters = [p["name"] for p in document["paths"]["/api/v1/contacts/"]["get"]["parameters"]]
    assert "wechat_id" in list_parameters
    theirs = admin_client(tenant_b).get("/api/schema/?format=json").json()
    assert "wechat_id" not in theirs["components"]["schemas"]["Contact"]["properties"]
    assert not [path for path in theirs["paths"] if path.startswith("/api/v1/objects/")]
    assert "VehicleRecord" not in theirs["components"]["schemas"]


def test_custom_fields_cost_no_query_per_record(tenant_a):
    from django.test.utils import CaptureQueriesContext

    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    for name in ("Ann", "Bob", "Cy"):
        client.post("/api/v1/contacts/", {"first_name": name}, format="json")
    client.get("/api/v1/contacts/")
    with CaptureQueriesContext(connection) as before:
        client.get("/api/v1/contacts/")
    add_field(tenant_a, name="wechat_id", type="text")
    add_field(tenant_a, name="score", type="integer")
    client.get("/api/v1/contacts/")
    with CaptureQueriesContext(connection) as after:
        assert len(client.get("/api/v1/contacts/?ordering=score").json()["results"]) == 3
    # One query reads the definitions on every request, with or without fields; the values come with the rows.
    assert len(after) == len(before)
