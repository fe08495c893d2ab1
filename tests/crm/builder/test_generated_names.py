"""A custom field or object whose label is in Chinese only gets a key made for
it ("field_1", "obj_1"); a Latin label still gives its own ("wechat_id"); a key
the admin types is kept. Through the service, the API and the Customize pages."""

import pytest
from django.test import Client

from crm.builder import services
from crm.builder.models import CustomField, CustomObject
from crm.builder.services.names import name_from_label
from tests.tenancy import api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db

FIELDS = "/api/v1/customization/fields/"
OBJECTS = "/api/v1/customization/objects/"


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("WeChat ID", "wechat_id"),
        ("微信号", ""),
        ("微信 ID", "id"),
        ("  --  ", ""),
        ("2024 budget", ""),
        ("A -- B", "a_b"),
    ],
)
def test_a_name_is_made_from_the_labels_latin_letters_only(label, name):
    assert name_from_label(label) == name


def test_fields_with_chinese_only_labels_get_numbered_names(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        first = services.create_field(by=admin, object_name="contacts", label="微信号", type="text")
        second = services.create_field(by=admin, object_name="contacts", name="", label="生日", type="date")
        latin = services.create_field(by=admin, object_name="contacts", label="WeChat ID", type="text")
        built_in_clash = services.create_field(by=admin, object_name="contacts", label="微信 ID", type="text")
    assert (first.name, second.name, latin.name) == ("field_1", "field_2", "wechat_id")
    assert built_in_clash.name == "field_3"  # "id" is the CRM's own


def test_the_api_makes_a_key_for_a_chinese_field_label_and_records_use_it(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "admin"))
    response = client.post(FIELDS, {"object": "contacts", "label": "微信号", "type": "text"}, format="json")
    assert response.status_code == 201, response.json()
    key = response.json()["name"]
    assert key == "field_1" and response.json()["label"] == "微信号"
    contact = client.post("/api/v1/contacts/", {"first_name": "伟", key: "wx-li"}, format="json")
    assert contact.status_code == 201, contact.json()
    assert contact.json()[key] == "wx-li"


def test_the_api_keeps_a_key_the_admin_gives_for_a_chinese_label(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "admin"))
    response = client.post(
        FIELDS, {"object": "contacts", "name": "wechat", "label": "微信号", "type": "text"}, format="json"
    )
    assert response.status_code == 201 and response.json()["name"] == "wechat"


def test_the_api_makes_a_name_for_a_chinese_object_label(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "admin"))
    response = client.post(OBJECTS, {"label": "车辆", "label_plural": "车辆"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "obj_1"
    assert client.get("/api/v1/objects/obj_1/").status_code == 200
    with in_tenant(tenant_a):
        assert CustomObject.objects.get(name="obj_1").label == "车辆"


def test_the_customize_page_adds_a_field_with_a_chinese_label_and_no_name(tenant_a):
    client = Client(HTTP_HOST=host(tenant_a))
    with in_tenant(tenant_a):
        client.force_login(user_of(tenant_a, "admin"))
    response = client.post("/settings/customize/contacts/fields/new/", {"label": "客户等级", "type": "text"})
    assert response.status_code in (302, 303), response.content.decode()[:2000]
    with in_tenant(tenant_a):
        assert CustomField.objects.get(object_name="contacts", label="客户等级").name == "field_1"
    response = client.post("/settings/customize/objects/new/", {"label": "车辆", "label_plural": "车辆"})
    assert response.status_code in (302, 303)
    with in_tenant(tenant_a):
        assert CustomObject.objects.filter(name="obj_1", label="车辆").exists()
