"""POST /api/v1/users/ without a password answers the invitation link too (the one e-mailed)."""

import pytest
from django.core import mail

from tenants.models import Tenant
from tests.tenancy import api_client, host, user_of

pytestmark = pytest.mark.django_db


def test_an_invitation_answers_the_same_link_as_the_email(tenant_a, django_capture_on_commit_callbacks):
    Tenant.objects.filter(pk=tenant_a.pk).update(seats=10)
    admin_api = api_client(tenant_a, user_of(tenant_a, "admin"))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(
            "/api/v1/users/", {"email": "invited@alpha.test", "name": "Invited Person", "role": "sales"}, format="json"
        )
    assert response.status_code == 201, response.content
    link = response.json()["invite_url"]
    assert link.startswith(f"http://{host(tenant_a)}/invite/")
    assert link in mail.outbox[0].body
    assert response.json()["email"] == "invited@alpha.test"


def test_a_user_created_with_a_password_gets_no_invite_url(tenant_a):
    Tenant.objects.filter(pk=tenant_a.pk).update(seats=10)
    admin_api = api_client(tenant_a, user_of(tenant_a, "admin"))
    response = admin_api.post(
        "/api/v1/users/",
        {"email": "direct@alpha.test", "role": "sales", "password": "a-long-enough-passphrase"},
        format="json",
    )
    assert response.status_code == 201
    assert "invite_url" not in response.json()
    detail = admin_api.get(f"/api/v1/users/{response.json()['id']}/").json()
    assert "invite_url" not in detail


def test_the_document_gives_invite_url_as_an_optional_key_of_the_invitation_answer(tenant_a):
    admin_api = api_client(tenant_a, user_of(tenant_a, "admin"))
    document = admin_api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    answer = document["paths"]["/api/v1/users/"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    component = document["components"]["schemas"][answer["$ref"].rsplit("/", 1)[1]]
    assert component["properties"]["invite_url"]["format"] == "uri"
    assert "invite_url" not in component.get("required", [])
    assert "email" in component["properties"]
