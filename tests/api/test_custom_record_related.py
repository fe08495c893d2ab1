"""Activities, files and history of a custom object's records, scoped like the record:
/api/v1/objects/<name>/<id>/activities/, .../attachments/, .../history/."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.activities.models import Activity
from crm.attachments.models import Attachment
from crm.builder import services as builder
from crm.builder.models import CustomObject
from tests.crm.accounts.factories import account
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db

OBJECTS = "/api/v1/customization/objects/"
FIELDS = "/api/v1/customization/fields/"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def make_vehicle_object(tenant):
    client = api_client(tenant, user_of(tenant, "admin"))
    made = client.post(OBJECTS, {"name": "vehicle", "label": "Vehicle", "label_plural": "Vehicles"}, format="json")
    assert made.status_code == 201, made.json()
    added = client.post(
        FIELDS, {"object": "vehicle", "name": "plate", "label": "Plate number", "type": "text"}, format="json"
    )
    assert added.status_code == 201, added.json()
    return made.json()


@pytest.fixture
def vehicle(tenant_a):
    return make_vehicle_object(tenant_a)


def new_record(tenant, owner="sales", name="Van", **values):
    response = api_client(tenant, user_of(tenant, owner)).post(
        "/api/v1/objects/vehicle/", {"name": name, **values}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def upload(client, record_id, content=b"hello", name="papers.txt"):
    return client.post(
        f"/api/v1/objects/vehicle/{record_id}/attachments/",
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def downloaded(response):
    return b"".join(response.streaming_content)


def test_activities_on_a_custom_record_are_its_timeline_newest_first(tenant_a, vehicle):
    van = new_record(tenant_a)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    url = f"/api/v1/objects/vehicle/{van['id']}/activities/"
    first = client.post(
        url, {"kind": "call", "subject": "Booked service", "occurred_at": "2026-01-05T10:00:00Z"}, format="json"
    )
    assert first.status_code == 201, first.json()
    assert (first.json()["record_object"], first.json()["record_id"]) == ("vehicle", van["id"])
    client.post(url, {"kind": "note", "subject": "Tyres worn", "occurred_at": "2026-02-01T10:00:00Z"}, format="json")
    timeline = client.get(url).json()
    assert [a["subject"] for a in timeline["results"]] == ["Tyres worn", "Booked service"]
    # The activity is an activity like any other: in the list and at its own address.
    assert client.get(f"/api/v1/activities/{first.json()['id']}/").json()["record_object"] == "vehicle"


def test_someone_who_sees_the_record_sees_activities_others_logged_on_it(tenant_a, vehicle):
    van = new_record(tenant_a, owner="sales")
    logged = api_client(tenant_a, user_of(tenant_a, "admin")).post(
        f"/api/v1/objects/vehicle/{van['id']}/activities/", {"kind": "visit", "subject": "Inspected"}, format="json"
    )
    sales = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert [a["subject"] for a in sales.get(f"/api/v1/objects/vehicle/{van['id']}/activities/").json()["results"]] == [
        "Inspected"
    ]
    assert sales.get(f"/api/v1/activities/{logged.json()['id']}/").status_code == 200


def test_a_user_who_cannot_see_the_record_cannot_see_or_add_its_activities_files_or_history(tenant_a, vehicle):
    theirs = new_record(tenant_a, owner="sales2", name="Theirs")
    owner = api_client(tenant_a, user_of(tenant_a, "sales2"))
    logged = owner.post(
        f"/api/v1/objects/vehicle/{theirs['id']}/activities/", {"kind": "call", "subject": "Mine"}, format="json"
    ).json()
    attachment = upload(owner, theirs["id"]).json()
    other = api_client(tenant_a, user_of(tenant_a, "sales"))
    base = f"/api/v1/objects/vehicle/{theirs['id']}"
    assert other.get(f"{base}/activities/").status_code == 404
    assert other.post(f"{base}/activities/", {"kind": "call", "subject": "Sneaky"}, format="json").status_code == 404
    assert other.get(f"{base}/attachments/").status_code == 404
    assert upload(other, theirs["id"]).status_code == 404
    assert other.get(f"{base}/history/").status_code == 404
    assert other.get(f"/api/v1/activities/{logged['id']}/").status_code == 404
    assert other.get(f"/api/v1/attachments/{attachment['id']}/download/").status_code == 404
    assert other.delete(f"/api/v1/attachments/{attachment['id']}/").status_code == 404
    assert "Mine" not in [a["subject"] for a in other.get("/api/v1/activities/").json()["results"]]
    # Nothing was written by the refused requests.
    with in_tenant(tenant_a):
        assert not Activity.objects.filter(subject="Sneaky").exists()
        assert Attachment.objects.filter(object_id=theirs["id"], content_type__app_label="cx").count() == 1


def test_files_on_a_custom_record_are_stored_per_tenant_listed_and_downloaded(tenant_a, vehicle, media_root):
    van = new_record(tenant_a)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    made = upload(client, van["id"], b"registration")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["record_type"], body["record_id"], body["name"]) == ("vehicle", van["id"], "papers.txt")
    with in_tenant(tenant_a):
        stored = Attachment.objects.get(pk=body["id"]).file.name
    assert stored.startswith(f"{tenant_a.schema_name}/attachments/vehicle/{van['id']}/")
    assert [a["id"] for a in client.get(f"/api/v1/objects/vehicle/{van['id']}/attachments/").json()] == [body["id"]]
    assert downloaded(client.get(f"/api/v1/attachments/{body['id']}/download/")) == b"registration"
    assert client.delete(f"/api/v1/attachments/{body['id']}/").status_code == 204
    assert client.get(f"/api/v1/objects/vehicle/{van['id']}/attachments/").json() == []


def test_a_record_or_file_of_tenant_a_is_404_on_tenant_bs_host(tenant_a, tenant_b, vehicle):
    make_vehicle_object(tenant_b)
    van = new_record(tenant_a, owner="admin")
    a_admin = api_client(tenant_a, user_of(tenant_a, "admin"))
    attachment_id = upload(a_admin, van["id"], b"secret of A").json()["id"]
    with in_tenant(tenant_b):
        assert not Attachment.objects.filter(pk=attachment_id).exists()
        assert not CustomObject.objects.filter(name="vehicle", deleted_at__isnull=False).exists()
    b_admin = api_client(tenant_b, user_of(tenant_b, "admin"))
    base = f"/api/v1/objects/vehicle/{van['id']}"
    assert b_admin.get(f"{base}/activities/").status_code == 404
    assert b_admin.post(f"{base}/activities/", {"kind": "call", "subject": "x"}, format="json").status_code == 404
    assert b_admin.get(f"{base}/attachments/").status_code == 404
    assert b_admin.get(f"{base}/history/").status_code == 404
    assert b_admin.get(f"/api/v1/attachments/{attachment_id}/download/").status_code == 404
    # Tenant A's token is worth nothing on B's host.
    assert a_admin.get(f"{base}/attachments/", HTTP_HOST=f"{tenant_b.subdomain}.localhost").status_code == 401


def test_deleting_a_record_keeps_its_activities_for_their_owner_and_deletes_its_files(tenant_a, vehicle, media_root):
    van = new_record(tenant_a)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    activity = client.post(
        f"/api/v1/objects/vehicle/{van['id']}/activities/", {"kind": "call", "subject": "Sold"}, format="json"
    ).json()
    attachment_id = upload(client, van["id"]).json()["id"]
    with in_tenant(tenant_a):
        stored = Attachment.objects.get(pk=attachment_id).file.name
    assert client.delete(f"/api/v1/objects/vehicle/{van['id']}/").status_code == 204
    kept = client.get(f"/api/v1/activities/{activity['id']}/").json()
    assert (kept["subject"], kept["record_object"], kept["record_id"]) == ("Sold", "", None)
    with in_tenant(tenant_a):
        assert not Attachment.objects.filter(pk=attachment_id).exists()
    # The file goes after commit (the test's transaction never commits): its
    # row is gone, so it is never served again.
    assert client.get(f"/api/v1/attachments/{attachment_id}/download/").status_code == 404
    assert stored


def test_a_deleted_object_hides_its_records_activities_until_restored(tenant_a, vehicle):
    van = new_record(tenant_a)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    activity = client.post(
        f"/api/v1/objects/vehicle/{van['id']}/activities/", {"kind": "call", "subject": "Hidden"}, format="json"
    ).json()
    admin = api_client(tenant_a, user_of(tenant_a, "admin"))
    assert admin.delete(f"{OBJECTS}{vehicle['id']}/").status_code == 204
    for who in (client, admin):
        assert who.get(f"/api/v1/activities/{activity['id']}/").status_code == 404
        assert who.get(f"/api/v1/objects/vehicle/{van['id']}/activities/").status_code == 404
    assert admin.post(f"{OBJECTS}{vehicle['id']}/restore/").status_code == 200
    assert client.get(f"/api/v1/activities/{activity['id']}/").status_code == 200


def test_the_history_of_a_custom_record_shows_field_changes_with_their_labels(tenant_a, vehicle):
    van = new_record(tenant_a, plate="B-1")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert (
        client.patch(
            f"/api/v1/objects/vehicle/{van['id']}/", {"plate": "B-2", "name": "Big van"}, format="json"
        ).status_code
        == 200
    )
    events = client.get(f"/api/v1/objects/vehicle/{van['id']}/history/").json()["results"]
    assert [e["action"] for e in events] == ["vehicle.updated", "vehicle.created"]
    assert events[0]["actor"] == user_of(tenant_a, "sales").pk
    assert events[0]["payload"] == {
        "name": ["Van", "Big van"],
        "plate": {"label": "Plate number", "old": "B-1", "new": "B-2"},
    }


def test_custom_field_changes_on_a_built_in_record_are_in_its_history(tenant_a):
    admin = api_client(tenant_a, user_of(tenant_a, "admin"))
    assert (
        admin.post(
            FIELDS, {"object": "accounts", "name": "tier", "label": "Customer tier", "type": "integer"}, format="json"
        ).status_code
        == 201
    )
    acme = account(tenant_a, "Acme", owner="sales")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert client.patch(f"/api/v1/accounts/{acme.pk}/", {"tier": 2}, format="json").status_code == 200
    assert (
        client.patch(f"/api/v1/accounts/{acme.pk}/", {"tier": 3, "name": "Acme Ltd"}, format="json").status_code == 200
    )
    # Writing the value it already has is no change.
    assert client.patch(f"/api/v1/accounts/{acme.pk}/", {"tier": 3}, format="json").status_code == 200
    events = client.get(f"/api/v1/accounts/{acme.pk}/history/").json()["results"]
    custom = [e["payload"]["tier"] for e in events if "tier" in e["payload"]]
    assert custom == [{"label": "Customer tier", "old": 2, "new": 3}, {"label": "Customer tier", "old": None, "new": 2}]
    assert {e["actor"] for e in events if "tier" in e["payload"]} == {user_of(tenant_a, "sales").pk}


def test_a_purged_object_takes_its_records_files_and_the_new_one_of_its_name_reuses_no_id(tenant_a, vehicle):
    from datetime import timedelta

    from django.utils import timezone

    van = new_record(tenant_a)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    activity = client.post(
        f"/api/v1/objects/vehicle/{van['id']}/activities/", {"kind": "call", "subject": "Old"}, format="json"
    ).json()
    attachment_id = upload(client, van["id"]).json()["id"]
    admin = api_client(tenant_a, user_of(tenant_a, "admin"))
    assert admin.delete(f"{OBJECTS}{vehicle['id']}/").status_code == 204
    with in_tenant(tenant_a):
        builder.purge_deleted(now=timezone.now() + timedelta(days=365))
        assert not Attachment.objects.filter(pk=attachment_id).exists()
        assert Activity.objects.filter(pk=activity["id"], record_object="", record_id__isnull=True).exists()
    make_vehicle_object(tenant_a)
    again = new_record(tenant_a, name="New van")
    assert again["id"] > van["id"]
    events = client.get(f"/api/v1/objects/vehicle/{again['id']}/history/").json()["results"]
    assert [e["action"] for e in events] == ["vehicle.created"]


def test_the_tenants_openapi_document_has_each_objects_activities_files_and_history(tenant_a, vehicle):
    document = api_client(tenant_a, user_of(tenant_a, "admin")).get("/api/schema/?format=json").json()
    paths = document["paths"]
    for tail in ("activities", "attachments", "history"):
        assert f"/api/v1/objects/vehicle/{{record_id}}/{tail}/" in paths
        assert f"/api/v1/objects/{{object_name}}/{{record_id}}/{tail}/" not in paths
    upload_body = paths["/api/v1/objects/vehicle/{record_id}/attachments/"]["post"]["requestBody"]
    assert "multipart/form-data" in upload_body["content"]
