"""The customer pool shows accounts: a field of accounts masked for a role is
masked in the pool's rows too, and cannot be probed there by a search, a sort
or a filter (a filter on it is a 400, as on /accounts/)."""

import pytest

from crm.access.permissions import MASK
from crm.access.services import set_sensitive_field
from crm.accounts import pool
from tests.conftest import api_client, in_tenant, user_of
from tests.crm.accounts.factories import account

pytestmark = pytest.mark.django_db

INDUSTRY = "Quasar mining 4471"


@pytest.fixture
def pooled(tenant_a):
    released = account(tenant_a, "Pooled Industry Co", owner="sales2", industry=INDUSTRY)
    with in_tenant(tenant_a):
        admin = user_of(tenant_a, "admin")
        pool.release(account=released, by=admin)
        set_sensitive_field(by=admin, module="accounts", field="industry", hidden_from=["sales"])
    return released


def test_a_pool_row_shows_a_masked_field_masked(tenant_a, pooled):
    sales = api_client(tenant_a, user_of(tenant_a, "sales"))
    rows = {row["id"]: row for row in sales.get("/api/v1/pool/").json()["results"]}
    assert rows[pooled.pk]["industry"] == MASK
    assert sales.get(f"/api/v1/pool/{pooled.pk}/").json()["industry"] == MASK
    admin = api_client(tenant_a, user_of(tenant_a, "admin"))
    assert admin.get(f"/api/v1/pool/{pooled.pk}/").json()["industry"] == INDUSTRY


def test_the_pool_cannot_be_searched_or_filtered_by_a_masked_field(tenant_a, pooled):
    sales = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert sales.get("/api/v1/pool/", {"search": "Quasar"}).json()["results"] == []
    refused = sales.get("/api/v1/pool/", {"industry": INDUSTRY})
    assert refused.status_code == 400 and list(refused.json()) == ["industry"]
    admin = api_client(tenant_a, user_of(tenant_a, "admin"))
    assert [row["id"] for row in admin.get("/api/v1/pool/", {"search": "Quasar"}).json()["results"]] == [pooled.pk]
