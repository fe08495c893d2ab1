"""The pages of a custom object beside the built-in record pages: an admin hides
it from a role like a built-in module (sidebar, pages, API), its list exports
and keeps saved views, and a record's page shows its timeline, attachments and
history."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from crm.access import services as access_services
from crm.access.models import ModulePermission
from crm.activities.models import Activity
from crm.activities.services import log_activity
from crm.attachments.models import Attachment
from crm.builder import services as builder_services
from crm.savedviews.models import SavedView
from crm.savedviews.services import create_saved_view
from tests.tenancy import api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db


def browser(tenant, local):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, local))
    return client


def text(response):
    return response.content.decode()


@pytest.fixture
def vehicle(tenant_a):
    """A custom object "vehicle" with a text field "plate", and one record of sales's."""
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        builder_services.create_object(by=admin, name="vehicle", label="Vehicle", label_plural="Vehicles")
        builder_services.create_field(by=admin, object_name="vehicle", name="plate", label="Plate", type="text")
        return builder_services.create_record(
            "vehicle", by=user_of(tenant_a, "sales"), name="Blue van", values={"plate": "沪A 12345"}
        )


def hide(tenant, role, module):
    with in_tenant(tenant):
        access_services.set_module_visibility(by=user_of(tenant, "admin"), role=role, module=module, hidden=True)


# Module permissions -------------------------------------------------------------------


def test_the_access_settings_grid_lists_each_custom_object(tenant_a, vehicle):
    page = text(browser(tenant_a, "admin").get("/settings/access/"))
    assert "Vehicles" in page
    assert 'value="sales:vehicle"' in page


def test_the_admin_hides_a_custom_object_from_sales_with_the_grid(tenant_a, vehicle):
    response = browser(tenant_a, "admin").post("/settings/access/modules/", {"hidden": ["sales:vehicle"]})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert ModulePermission.objects.filter(role="sales", module="vehicle", hidden=True).exists()
    assert 'value="sales:vehicle" checked' in text(browser(tenant_a, "admin").get("/settings/access/"))


def test_a_custom_object_hidden_from_sales_leaves_their_sidebar_and_its_pages_are_a_404(tenant_a, vehicle):
    hide(tenant_a, "sales", "vehicle")
    sales = browser(tenant_a, "sales")
    assert 'href="/objects/vehicle/"' not in text(sales.get("/"))
    for url in (
        "/objects/vehicle/",
        "/objects/vehicle/new/",
        f"/objects/vehicle/{vehicle.pk}/",
        f"/objects/vehicle/{vehicle.pk}/edit/",
        "/objects/vehicle/export/",
    ):
        assert sales.get(url).status_code == 404, url
    assert sales.post(f"/objects/vehicle/{vehicle.pk}/delete/").status_code == 404


def test_a_custom_object_hidden_from_sales_stays_for_the_other_roles(tenant_a, vehicle):
    hide(tenant_a, "sales", "vehicle")
    for role in ("admin", "manager"):
        client = browser(tenant_a, role)
        assert 'href="/objects/vehicle/"' in text(client.get("/")), role
        assert client.get("/objects/vehicle/").status_code == 200, role


def test_the_api_refuses_a_custom_object_hidden_from_the_role_as_it_refuses_a_hidden_built_in(tenant_a, vehicle):
    hide(tenant_a, "sales", "vehicle")
    hide(tenant_a, "sales", "accounts")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    built_in = client.get("/api/v1/accounts/").status_code
    assert built_in == 403
    assert client.get("/api/v1/objects/vehicle/").status_code == built_in
    assert client.get(f"/api/v1/objects/vehicle/{vehicle.pk}/").status_code == built_in
    assert client.post("/api/v1/objects/vehicle/", {"name": "Sneaky"}, format="json").status_code == built_in
    assert api_client(tenant_a, user_of(tenant_a, "manager")).get("/api/v1/objects/vehicle/").status_code == 200


def test_the_api_hides_a_custom_object_from_a_role(tenant_a, vehicle):
    admin = api_client(tenant_a, user_of(tenant_a, "admin"))
    response = admin.post(
        "/api/v1/access/modules/", {"role": "sales", "module": "vehicle", "hidden": True}, format="json"
    )
    assert response.status_code == 201, response.content
    assert api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/objects/vehicle/").status_code == 403
    response = admin.post("/api/v1/access/modules/", {"role": "sales", "module": "boat", "hidden": True}, format="json")
    assert response.status_code == 400


def test_a_deleted_custom_object_is_no_module_to_hide(tenant_a, vehicle):
    with in_tenant(tenant_a):
        builder_services.delete_object(
            builder_services.selectors.custom_object_get("vehicle"), by=user_of(tenant_a, "admin")
        )
    assert 'value="sales:vehicle"' not in text(browser(tenant_a, "admin").get("/settings/access/"))
    response = browser(tenant_a, "admin").post("/settings/access/modules/", {"hidden": ["sales:vehicle"]})
    assert response.status_code == 400
    with in_tenant(tenant_a):
        assert not ModulePermission.objects.filter(module="vehicle").exists()


def test_a_purged_custom_objects_module_permissions_and_saved_views_go_with_it(tenant_a, vehicle):
    hide(tenant_a, "sales", "vehicle")
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        create_saved_view(by=admin, list_name="cx:vehicle", name="Old vans", query="q=van")
        builder_services.delete_object(builder_services.selectors.custom_object_get("vehicle"), by=admin)
        builder_services.purge_deleted(now=timezone.now() + timedelta(days=30))
        assert not ModulePermission.objects.filter(module="vehicle").exists()
        builder_services.create_object(by=admin, name="vehicle", label="Vehicle", label_plural="Vehicles")
    assert browser(tenant_a, "sales").get("/objects/vehicle/").status_code == 200
    # A new object of the same name starts without the old one's saved views.
    assert "Old vans" not in text(browser(tenant_a, "admin").get("/objects/vehicle/"))


# Export ---------------------------------------------------------------------------------


def add_vehicle(tenant, owner, name, plate):
    with in_tenant(tenant):
        return builder_services.create_record("vehicle", by=user_of(tenant, owner), name=name, values={"plate": plate})


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_list_export_holds_the_filtered_records_the_user_may_see_with_the_custom_fields(tenant_a, vehicle):
    add_vehicle(tenant_a, "sales", "Red van", "沪B 999")
    add_vehicle(tenant_a, "sales", "Old truck", "沪C 1")
    add_vehicle(tenant_a, "sales2", "Their van", "沪D 2")
    response = browser(tenant_a, "sales").get("/objects/vehicle/export/?q=van&sort=-name&file_format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="vehicle.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["ID", "Name", "Owner", "Created", "Updated", "Plate"]
    assert [(row[1], row[2], row[5]) for row in rows[1:]] == [
        ("Red van", "sales@alpha.test", "沪B 999"),
        ("Blue van", "sales@alpha.test", "沪A 12345"),
    ]


def test_the_list_export_filters_on_a_custom_field_and_writes_xlsx(tenant_a, vehicle):
    add_vehicle(tenant_a, "sales", "Red van", "沪B 999")
    response = browser(tenant_a, "sales").get("/objects/vehicle/export/?plate=沪B 999&file_format=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [(row[1], row[5]) for row in rows[1:]] == [("Red van", "沪B 999")]


def test_the_custom_object_list_links_its_export_buttons_to_the_current_filters(tenant_a, vehicle):
    page = text(browser(tenant_a, "sales").get("/objects/vehicle/?q=van"))
    assert 'href="/objects/vehicle/export/?q=van&amp;file_format=csv"' in page
    assert 'href="/objects/vehicle/export/?q=van&amp;file_format=xlsx"' in page


def test_the_api_exports_a_custom_objects_records_in_the_callers_scope(tenant_a, vehicle):
    add_vehicle(tenant_a, "sales2", "Their van", "沪D 2")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.get("/api/v1/objects/vehicle/export/?search=van&file_format=csv")
    assert response.status_code == 200
    rows = csv_rows(response)
    assert rows[0][-1] == "Plate"
    assert [row[1] for row in rows[1:]] == ["Blue van"]
    assert client.get("/api/v1/objects/boat/export/").status_code == 404


def test_the_api_export_of_a_hidden_custom_object_is_refused(tenant_a, vehicle):
    hide(tenant_a, "sales", "vehicle")
    assert api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/objects/vehicle/export/").status_code == 403


# Saved views ----------------------------------------------------------------------------


def test_saving_a_view_of_a_custom_object_list_shows_the_list_through_it(tenant_a, vehicle):
    client = browser(tenant_a, "sales")
    response = client.post(
        "/saved-views/",
        {
            "list": "cx:vehicle",
            "name": "Vans",
            "query": "q=van&sort=-name",
            "next": "/objects/vehicle/?q=van&sort=-name",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/objects/vehicle/?q=van&sort=-name"
    page = text(client.get("/objects/vehicle/"))
    assert '<a href="/objects/vehicle/?q=van&amp;sort=-name" data-testid="saved-view"' in page
    assert 'name="list" value="cx:vehicle"' in page


def test_a_view_of_one_list_is_not_offered_on_another(tenant_a, vehicle):
    with in_tenant(tenant_a):
        create_saved_view(by=user_of(tenant_a, "sales"), list_name="cx:vehicle", name="Vans", query="q=van")
    assert 'data-testid="saved-view"' not in text(browser(tenant_a, "sales").get("/accounts/"))


def test_a_view_of_a_missing_custom_object_is_refused(tenant_a, vehicle):
    response = browser(tenant_a, "sales").post("/saved-views/", {"list": "cx:boat", "name": "Boats"})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert not SavedView.objects.filter(name="Boats").exists()


def test_the_api_saves_and_lists_views_of_a_custom_object(tenant_a, vehicle):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(
        "/api/v1/saved-views/", {"list": "cx:vehicle", "name": "Vans", "query": "q=van"}, format="json"
    )
    assert response.status_code == 201, response.content
    listed = client.get("/api/v1/saved-views/?list=cx:vehicle").json()["results"]
    assert [(view["list"], view["name"]) for view in listed] == [("cx:vehicle", "Vans")]
    response = client.post("/api/v1/saved-views/", {"list": "cx:boat", "name": "Boats"}, format="json")
    assert response.status_code == 400
    assert "list" in response.json()


def test_the_tenants_api_document_has_the_custom_objects_export_and_saved_view_lists(tenant_a, vehicle):
    document = api_client(tenant_a, user_of(tenant_a, "admin")).get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/objects/vehicle/export/" in document["paths"]
    parameters = document["paths"]["/api/v1/saved-views/"]["get"]["parameters"]
    assert "cx:vehicle" in next(p for p in parameters if p["name"] == "list")["schema"]["enum"]


# Timeline, files and history on a record's page -------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def record_page(client, record):
    return text(client.get(f"/objects/vehicle/{record.pk}/"))


def test_a_records_page_shows_its_activities_newest_first(tenant_a, vehicle):
    sales = user_of(tenant_a, "sales")
    with in_tenant(tenant_a):
        log_activity(
            by=sales,
            record=vehicle,
            kind="call",
            subject="First call",
            occurred_at=vehicle.created_at.replace(year=2024),
        )
        log_activity(by=sales, record=vehicle, kind="visit", subject="Latest visit")
    page = record_page(browser(tenant_a, "sales"), vehicle)
    assert 'data-testid="timeline"' in page
    assert page.index("Latest visit") < page.index("First call")


def test_logging_an_activity_on_a_record_puts_it_on_the_timeline(tenant_a, vehicle):
    client = browser(tenant_a, "sales")
    url = f"/objects/vehicle/{vehicle.pk}/log-activity/"
    page = record_page(client, vehicle)
    assert f'action="{url}"' in page
    # Next-contact dates plan customers' follow-ups; nothing reads one on a custom record.
    assert 'name="next_contact_at"' not in page
    response = client.post(url, {"kind": "call", "subject": "Asked about the brakes"})
    assert response.status_code == 302
    assert response["Location"] == f"/objects/vehicle/{vehicle.pk}/"
    with in_tenant(tenant_a):
        activity = Activity.objects.get(subject="Asked about the brakes")
        assert (activity.record_object, activity.record_id) == ("vehicle", vehicle.pk)
    assert "Asked about the brakes" in record_page(client, vehicle)


def test_logging_an_activity_with_htmx_answers_the_timeline_card_with_the_forms_errors(tenant_a, vehicle):
    client = Client(HTTP_HOST=host(tenant_a), HTTP_HX_REQUEST="true")
    with in_tenant(tenant_a):
        client.force_login(user_of(tenant_a, "sales"))
    response = client.post(f"/objects/vehicle/{vehicle.pk}/log-activity/", {"kind": "call", "subject": ""})
    assert response.status_code == 200
    assert 'data-testid="timeline"' in text(response) and 'class="error"' in text(response)
    with in_tenant(tenant_a):
        assert not Activity.objects.filter(record_object="vehicle").exists()


def test_a_comment_on_a_records_activity_leads_back_to_the_records_page(tenant_a, vehicle):
    with in_tenant(tenant_a):
        activity = log_activity(by=user_of(tenant_a, "sales"), record=vehicle, kind="call", subject="Brakes")
    response = browser(tenant_a, "sales").post(f"/activities/{activity.pk}/comments/", {"body": "Fixed now"})
    assert response["Location"] == f"/objects/vehicle/{vehicle.pk}/#activity-{activity.pk}"


def test_nobody_logs_an_activity_on_a_record_they_cannot_see(tenant_a, vehicle):
    response = browser(tenant_a, "sales2").post(
        f"/objects/vehicle/{vehicle.pk}/log-activity/", {"kind": "call", "subject": "Sneaky"}
    )
    assert response.status_code == 404
    with in_tenant(tenant_a):
        assert not Activity.objects.filter(subject="Sneaky").exists()


def test_with_activities_hidden_from_the_role_a_record_has_no_timeline_and_nothing_is_logged(tenant_a, vehicle):
    hide(tenant_a, "sales", "activities")
    client = browser(tenant_a, "sales")
    assert 'data-testid="timeline"' not in record_page(client, vehicle)
    response = client.post(f"/objects/vehicle/{vehicle.pk}/log-activity/", {"kind": "call", "subject": "Hidden"})
    assert response.status_code == 404
    with in_tenant(tenant_a):
        assert not Activity.objects.filter(subject="Hidden").exists()


def test_a_file_is_uploaded_to_a_record_listed_downloaded_and_deleted(tenant_a, vehicle, media_root):
    client = browser(tenant_a, "sales")
    response = client.post(
        f"/objects/vehicle/{vehicle.pk}/attach/", {"file": SimpleUploadedFile("registration.txt", b"plate papers")}
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        attachment = Attachment.objects.get(object_id=vehicle.pk, content_type__model="vehicle")
    page = record_page(client, vehicle)
    assert f'href="/files/{attachment.pk}/"' in page and "registration.txt" in page
    download = client.get(f"/files/{attachment.pk}/")
    assert b"".join(download.streaming_content) == b"plate papers"
    other = browser(tenant_a, "sales2")
    assert other.get(f"/files/{attachment.pk}/").status_code == 404
    assert other.post(f"/files/{attachment.pk}/delete/").status_code == 404
    response = client.post(f"/files/{attachment.pk}/delete/")
    assert response["Location"] == f"/objects/vehicle/{vehicle.pk}/"
    with in_tenant(tenant_a):
        assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_nobody_uploads_a_file_to_a_record_they_cannot_see(tenant_a, vehicle, media_root):
    response = browser(tenant_a, "sales2").post(
        f"/objects/vehicle/{vehicle.pk}/attach/", {"file": SimpleUploadedFile("x.txt", b"x")}
    )
    assert response.status_code == 404
    with in_tenant(tenant_a):
        assert not Attachment.objects.filter(content_type__model="vehicle").exists()


def test_a_records_page_shows_its_history_with_its_custom_field_changes(tenant_a, vehicle):
    client = browser(tenant_a, "sales")
    client.post(f"/objects/vehicle/{vehicle.pk}/edit/", {"name": "Blue van", "plate": "沪A 54321"})
    page = record_page(client, vehicle)
    history = page[page.index('data-testid="history"') :]
    assert "vehicle.updated" in history and "Plate: 沪A 12345 → 沪A 54321" in history
    assert "vehicle.created" in history
