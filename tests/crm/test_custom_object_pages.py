"""The pages of a custom object beside the built-in record pages: an admin hides
it from a role like a built-in module (sidebar, pages, API), its list exports
and keeps saved views, and a record's page shows its timeline, attachments and
history."""

import pytest
from django.test import Client

from crm.access import services as access_services
from crm.access.models import ModulePermission
from crm.builder import services as builder_services
from tests.conftest import api_client, host, in_tenant, user_of

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
        return builder_services.create_record("vehicle", by=user_of(tenant_a, "sales"), name="Blue van",
                                              values={"plate": "沪A 12345"})


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
    for url in ("/objects/vehicle/", "/objects/vehicle/new/", f"/objects/vehicle/{vehicle.pk}/",
                f"/objects/vehicle/{vehicle.pk}/edit/", "/objects/vehicle/export/"):
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
    response = admin.post("/api/v1/access/modules/", {"role": "sales", "module": "vehicle", "hidden": True},
                          format="json")
    assert response.status_code == 201, response.content
    assert api_client(tenant_a, user_of(tenant_a, "sales")).get("/api/v1/objects/vehicle/").status_code == 403
    response = admin.post("/api/v1/access/modules/", {"role": "sales", "module": "boat", "hidden": True},
                          format="json")
    assert response.status_code == 400


def test_a_deleted_custom_object_is_no_module_to_hide(tenant_a, vehicle):
    with in_tenant(tenant_a):
        builder_services.delete_object(builder_services.selectors.custom_object_get("vehicle"),
                                       by=user_of(tenant_a, "admin"))
    assert 'value="sales:vehicle"' not in text(browser(tenant_a, "admin").get("/settings/access/"))
    response = browser(tenant_a, "admin").post("/settings/access/modules/", {"hidden": ["sales:vehicle"]})
    assert response.status_code == 400
    with in_tenant(tenant_a):
        assert not ModulePermission.objects.filter(module="vehicle").exists()
