import pytest

from tests.tenancy import api_client, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(tenant_a):
    return api_client(tenant_a, user_of(tenant_a, "admin"))


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/contacts/", data='{"first_name": "A', content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"first_name": ["a"]}, "first_name"),
        ({"first_name": "A", "email": "not-an-email"}, "email"),
        ({"first_name": "A", "owner": "me"}, "owner"),
        ({"first_name": "A", "account": {"id": 1}}, "account"),
        ({"first_name": "A", "owner": 10**30}, "owner"),
        ({}, "first_name"),
    ],
)
def test_wrong_types_are_400_with_the_field_named(client, payload, field):
    response = client.post("/api/v1/contacts/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_body_that_is_not_json_is_415(client):
    response = client.post("/api/v1/accounts/", data="name=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_page_size_is_capped_at_200(client):
    assert client.get("/api/v1/accounts/?page_size=5000").status_code == 200


def test_put_is_not_offered(client):
    account = client.post("/api/v1/accounts/", {"name": "A"}, format="json").json()
    assert client.put(f"/api/v1/accounts/{account['id']}/", {"name": "B"}, format="json").status_code == 405


def test_openapi_documents_every_endpoint_with_its_errors(client):
    document = client.get("/api/schema/?format=json").json()
    paths = document["paths"]
    assert {
        "/api/v1/accounts/",
        "/api/v1/accounts/{id}/",
        "/api/v1/contacts/",
        "/api/v1/contacts/{id}/",
        "/api/v1/auth/token/",
    } <= set(paths)
    assert {"400", "401", "404"} <= set(paths["/api/v1/accounts/{id}/"]["patch"]["responses"])
    assert "put" not in paths["/api/v1/accounts/{id}/"]


def test_public_openapi_documents_signup_and_the_stripe_webhook_only():
    document = api_client().get("/api/schema/?format=json").json()
    assert set(document["paths"]) == {"/api/v1/signup/", "/api/v1/billing/webhook/"}
    assert "400" in document["paths"]["/api/v1/signup/"]["post"]["responses"]


def test_api_docs_page_is_served_without_a_cdn(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert "cdn" not in page.content.decode().lower()
