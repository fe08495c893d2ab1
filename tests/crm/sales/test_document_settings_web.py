"""The settings page of what documents print about the company (admin only):
the logo is checked (PNG or JPEG, at most 1 MB) with the message on the field,
and the number formats each on their own field."""

import io

import pytest
from django.test import Client
from PIL import Image

from crm.sales.models import DocumentSettings, NumberFormat
from tests.tenancy import host, in_tenant, user_of

pytestmark = pytest.mark.django_db

FORMATS = {"quote_format": "QT-{year}-{seq:04}", "order_format": "SO-{year}-{seq:04}"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def browser(tenant, who="admin"):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, who))
    return client


def upload(kind="PNG", name="logo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (30, 10), (0, 90, 200)).save(buffer, kind)
    buffer.seek(0)
    buffer.name = name
    return buffer


def test_the_admin_saves_the_company_block_and_a_logo_shown_on_the_page(tenant_a):
    admin = browser(tenant_a)
    response = admin.post(
        "/settings/documents/",
        {
            "company_name": "示例贸易",
            "address": "上海市",
            "phone": "021-5555",
            "tax_id": "9131",
            "logo": upload(),
            **FORMATS,
        },
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        saved = DocumentSettings.objects.get()
        assert (saved.company_name, saved.tax_id) == ("示例贸易", "9131") and saved.logo.name.endswith(".png")
    page = admin.get("/settings/documents/").content.decode()
    assert 'src="/settings/documents/logo/"' in page and "示例贸易" in page
    logo = admin.get("/settings/documents/logo/")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert browser(tenant_a, "sales").get("/settings/documents/logo/").status_code == 404


def test_a_logo_that_is_no_image_or_a_bad_number_format_is_a_400_on_its_field(tenant_a):
    admin = browser(tenant_a)
    fake = io.BytesIO(b"%PDF-1.7 not an image")
    fake.name = "logo.jpg"
    response = admin.post("/settings/documents/", {"company_name": "X", "logo": fake, **FORMATS})
    assert response.status_code == 400
    assert response.context["form"].errors["logo"] == ["A logo must be a PNG or JPEG image."]
    response = admin.post("/settings/documents/", {**FORMATS, "order_format": "SO-{year}"})
    assert response.status_code == 400 and list(response.context["form"].errors) == ["order_format"]
    with in_tenant(tenant_a):
        assert DocumentSettings.objects.get().company_name == ""
        assert not NumberFormat.objects.exists()
