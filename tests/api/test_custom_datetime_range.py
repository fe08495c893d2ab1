"""A custom datetime must be a moment PostgreSQL can hand back to Python: years
1 to 9999 in UTC. 9999-12-31T23:59:59-14:00 is year 10000 in UTC; stored, it
would make every read of the row (lists included) fail."""

import pytest

from tests.api.test_custom_fields import FIELDS, add_field, admin_client
from tests.conftest import api_client, user_of

pytestmark = pytest.mark.django_db

PAST_YEAR_9999 = "9999-12-31T23:59:59-14:00"
BEFORE_YEAR_1 = "0001-01-01T00:00:00+14:00"


@pytest.mark.parametrize("moment", [PAST_YEAR_9999, BEFORE_YEAR_1])
def test_a_datetime_default_outside_years_1_to_9999_in_utc_is_refused(tenant_a, moment):
    body = {"object": "contacts", "name": "due", "label": "Due", "type": "datetime", "default": moment}
    response = admin_client(tenant_a).post(FIELDS, body, format="json")
    assert response.status_code == 400
    assert "default" in response.json()
    assert admin_client(tenant_a).get("/api/v1/contacts/").status_code == 200


def test_a_datetime_default_changed_to_outside_the_range_is_refused(tenant_a):
    field = add_field(tenant_a, name="due", type="datetime")
    response = admin_client(tenant_a).patch(f"{FIELDS}{field['id']}/", {"default": PAST_YEAR_9999}, format="json")
    assert response.status_code == 400
    assert "default" in response.json()
    assert admin_client(tenant_a).get("/api/v1/contacts/").status_code == 200


@pytest.mark.parametrize("moment", [PAST_YEAR_9999, BEFORE_YEAR_1])
def test_a_record_value_outside_years_1_to_9999_in_utc_is_refused_and_the_list_still_reads(tenant_a, moment):
    add_field(tenant_a, name="due", type="datetime")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    contact = client.post("/api/v1/contacts/", {"first_name": "Rangy"}, format="json").json()
    response = client.patch(f"/api/v1/contacts/{contact['id']}/", {"due": moment}, format="json")
    assert response.status_code == 400
    assert "due" in response.json()
    created = client.post("/api/v1/contacts/", {"first_name": "Rangier", "due": moment}, format="json")
    assert created.status_code == 400
    assert "due" in created.json()
    assert client.get("/api/v1/contacts/").status_code == 200
    assert client.get(f"/api/v1/contacts/{contact['id']}/").status_code == 200


def test_the_last_moment_of_year_9999_in_utc_is_kept(tenant_a):
    add_field(tenant_a, name="due", type="datetime")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    created = client.post("/api/v1/contacts/", {"first_name": "Edge", "due": "9999-12-31T23:59:59Z"}, format="json")
    assert created.status_code == 201, created.json()
    assert client.get(f"/api/v1/contacts/{created.json()['id']}/").json()["due"] == "9999-12-31T23:59:59Z"
