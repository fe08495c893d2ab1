import pytest
from django.test import Client

from crm.users.models import User
from tests.tenancy import PASSWORD, host

pytestmark = pytest.mark.django_db


def test_vendor_admin_is_on_the_public_host():
    User.objects.create_superuser(email="staff@vendor.test", password=PASSWORD)
    browser = Client(HTTP_HOST="localhost")
    assert browser.login(email="staff@vendor.test", password=PASSWORD)
    page = browser.get("/admin/tenants/tenant/")
    assert page.status_code == 200


def test_vendor_admin_does_not_exist_on_a_tenant_host(tenant_a):
    response = Client(HTTP_HOST=host(tenant_a)).get("/admin/")
    assert response.status_code == 404


def test_a_tenant_admin_cannot_sign_in_to_the_vendor_admin(tenant_a):
    # Tenant users live in their tenant's schema; the public one does not know them.
    browser = Client(HTTP_HOST="localhost")
    response = browser.post("/admin/login/", {"username": "admin@alpha.test", "password": PASSWORD})
    assert response.status_code == 200
    assert browser.get("/admin/").status_code == 302
