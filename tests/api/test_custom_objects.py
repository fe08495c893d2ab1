"""CONTRACT.md "Module builder": custom objects and their records at /api/v1/objects/<name>/."""

import pytest

from crm.teams.models import Team, TeamMembership
from tests.crm.accounts.factories import account
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db

OBJECTS = "/api/v1/customization/objects/"
FIELDS = "/api/v1/customization/fields/"


def admin_client(tenant):
    return api_client(tenant, user_of(tenant, "admin"))


@pytest.fixture
def vehicle(tenant_a):
    client = admin_client(tenant_a)
    made = client.post(
        OBJECTS, {"name": "vehicle", "label": "Vehicle", "label_plural": "Vehicles", "icon": "🚗"}, format="json"
    )
    assert made.status_code == 201, made.json()
    for body in (
        {"name": "plate", "type": "text", "required": True, "unique": True},
        {"name": "account", "type": "lookup", "target": "accounts"},
        {"name": "mileage", "type": "integer", "min_value": 0},
    ):
        response = client.post(FIELDS, {"object": "vehicle", "label": body["name"].title(), **body}, format="json")
        assert response.status_code == 201, response.json()
    return made.json()


def test_records_of_a_custom_object_follow_the_record_conventions(tenant_a, vehicle):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    created = client.post("/api/v1/objects/vehicle/", {"name": "Van", "plate": "B-1", "mileage": 10}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["owner"] == user_of(tenant_a, "sales").pk
    assert (body["plate"], body["mileage"], body["account"]) == ("B-1", 10, None)
    client.post("/api/v1/objects/vehicle/", {"name": "Car", "plate": "B-2", "mileage": 99}, format="json")
    listed = client.get("/api/v1/objects/vehicle/?ordering=-mileage").json()
    assert listed["count"] == 2 and [r["name"] for r in listed["results"]] == ["Car", "Van"]
    assert [r["name"] for r in client.get("/api/v1/objects/vehicle/?search=b-2").json()["results"]] == ["Car"]
    assert [r["name"] for r in client.get("/api/v1/objects/vehicle/?mileage__lte=50").json()["results"]] == ["Van"]
    patched = client.patch(f"/api/v1/objects/vehicle/{body['id']}/", {"mileage": 11, "name": "Vannier"}, format="json")
    assert patched.status_code == 200 and (patched.json()["mileage"], patched.json()["name"]) == (11, "Vannier")
    assert client.get(f"/api/v1/objects/vehicle/{body['id']}/").json()["plate"] == "B-1"
    assert client.delete(f"/api/v1/objects/vehicle/{body['id']}/").status_code == 204
    assert client.get(f"/api/v1/objects/vehicle/{body['id']}/").status_code == 404


def test_bad_values_on_custom_records_are_400_naming_the_field(tenant_a, vehicle):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    missing = client.post("/api/v1/objects/vehicle/", {"name": "Van"}, format="json")
    assert missing.status_code == 400 and list(missing.json()) == ["plate"]
    negative = client.post("/api/v1/objects/vehicle/", {"name": "Van", "plate": "X", "mileage": -1}, format="json")
    assert negative.status_code == 400 and list(negative.json()) == ["mileage"]
    client.post("/api/v1/objects/vehicle/", {"name": "Van", "plate": "X"}, format="json")
    again = client.post("/api/v1/objects/vehicle/", {"name": "Car", "plate": "X"}, format="json")
    assert again.status_code == 400 and again.json() == {"plate": ["Another record already has this value."]}


def test_a_vehicles_account_and_the_accounts_vehicles(tenant_a, vehicle):
    sales = user_of(tenant_a, "sales")
    mine, hidden = account(tenant_a, "Acme", owner="sales"), account(tenant_a, "Hidden", owner="sales2")
    client = api_client(tenant_a, sales)
    van = client.post("/api/v1/objects/vehicle/", {"name": "Van", "plate": "1", "account": mine.pk}, format="json")
    assert van.status_code == 201 and van.json()["account"] == mine.pk
    client.post("/api/v1/objects/vehicle/", {"name": "Car", "plate": "2"}, format="json")
    # An account the caller cannot see answers like a missing one.
    refused = client.post(
        "/api/v1/objects/vehicle/", {"name": "Bus", "plate": "3", "account": hidden.pk}, format="json"
    )
    assert refused.status_code == 400 and list(refused.json()) == ["account"]
    reverse = client.get(f"/api/v1/objects/vehicle/?account={mine.pk}").json()["results"]
    assert [r["name"] for r in reverse] == ["Van"]
    # Deleting the account empties the lookup (ON DELETE SET NULL).
    assert api_client(tenant_a, user_of(tenant_a, "admin")).delete(f"/api/v1/accounts/{mine.pk}/").status_code == 204
    assert client.get(f"/api/v1/objects/vehicle/{van.json()['id']}/").json()["account"] is None


def test_a_lookup_to_a_custom_object_from_a_built_in_one(tenant_a, vehicle):
    add = admin_client(tenant_a).post(
        FIELDS,
        {"object": "contacts", "name": "car", "label": "Car", "type": "lookup", "target": "vehicle"},
        format="json",
    )
    assert add.status_code == 201, add.json()
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    van = client.post("/api/v1/objects/vehicle/", {"name": "Van", "plate": "1"}, format="json").json()
    ann = client.post("/api/v1/contacts/", {"first_name": "Ann", "car": van["id"]}, format="json")
    assert ann.status_code == 201 and ann.json()["car"] == van["id"]
    assert [c["id"] for c in client.get(f"/api/v1/contacts/?car={van['id']}").json()["results"]] == [ann.json()["id"]]


def test_sales_users_see_only_their_own_records_and_managers_their_teams(tenant_a, vehicle):
    sales, sales2, manager = (user_of(tenant_a, name) for name in ("sales", "sales2", "manager"))
    theirs = (
        api_client(tenant_a, sales2)
        .post("/api/v1/objects/vehicle/", {"name": "Theirs", "plate": "9"}, format="json")
        .json()
    )
    sales_client = api_client(tenant_a, sales)
    assert sales_client.get(f"/api/v1/objects/vehicle/{theirs['id']}/").status_code == 404
    assert (
        sales_client.patch(f"/api/v1/objects/vehicle/{theirs['id']}/", {"name": "x"}, format="json").status_code == 404
    )
    assert sales_client.get("/api/v1/objects/vehicle/").json()["count"] == 0
    manager_client = api_client(tenant_a, manager)
    assert manager_client.get(f"/api/v1/objects/vehicle/{theirs['id']}/").status_code == 404
    with in_tenant(tenant_a):
        team = Team.objects.create(name="North", manager=manager)
        TeamMembership.objects.create(team=team, user=sales2)
    assert manager_client.get(f"/api/v1/objects/vehicle/{theirs['id']}/").status_code == 200
    assert api_client(tenant_a, user_of(tenant_a, "director")).get("/api/v1/objects/vehicle/").json()["count"] == 1


def test_a_missing_or_deleted_object_is_404(tenant_a, vehicle):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert client.get("/api/v1/objects/boat/").status_code == 404
    admin = admin_client(tenant_a)
    assert admin.delete(f"{OBJECTS}{vehicle['id']}/").status_code == 204
    assert client.get("/api/v1/objects/vehicle/").status_code == 404
    assert admin.post(f"{OBJECTS}{vehicle['id']}/restore/").status_code == 200
    assert client.get("/api/v1/objects/vehicle/").status_code == 200


def test_object_names_are_checked(tenant_a):
    client = admin_client(tenant_a)
    for name in ("contacts", "products", "Vehicle", "cx_car", "objects"):
        response = client.post(OBJECTS, {"name": name, "label": "X", "label_plural": "Xs"}, format="json")
        assert response.status_code == 400 and "name" in response.json(), name
    assert client.post(OBJECTS, {"name": "car", "label": "", "label_plural": "Cars"}, format="json").status_code == 400
