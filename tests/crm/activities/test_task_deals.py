"""Tasks about a deal: linked through the API and the task form, never to a deal
out of the caller's scope."""

import pytest

from crm.activities.models import Task
from tests.crm.deals.factories import make_deal
from tests.crm.deals.test_web import browser
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def test_a_task_can_be_about_a_deal_and_is_filtered_by_it(tenant_a):
    sales = user_of(tenant_a, "sales")
    deal = make_deal(tenant_a, "sales", name="Renewal")
    api = api_client(tenant_a, sales)
    created = api.post("/api/v1/tasks/", {"title": "Send the quote", "deal": deal.pk}, format="json")
    assert created.status_code == 201 and created.json()["deal"] == deal.pk
    listed = api.get(f"/api/v1/tasks/?deal={deal.pk}").json()
    assert [t["title"] for t in listed["results"]] == ["Send the quote"]


def test_a_task_cannot_point_at_a_deal_out_of_scope(tenant_a):
    hidden = make_deal(tenant_a, "sales2", name="Not yours")
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(
        "/api/v1/tasks/", {"title": "Peek", "deal": hidden.pk}, format="json"
    )
    assert response.status_code == 400 and "deal" in response.json()
    with in_tenant(tenant_a):
        assert not Task.objects.filter(title="Peek").exists()


def test_new_task_from_a_deal_page_is_prefilled_with_the_deal(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Prefill me")
    client = browser(tenant_a, "sales")
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert f"?deal={deal.pk}" in page
    form = client.get(f"/tasks/new/?deal={deal.pk}").content.decode()
    # The deal picker holds the deal's id and shows its name.
    assert f'<input type="hidden" name="deal" value="{deal.pk}" data-picker-value>' in form
    assert 'value="Prefill me"' in form
    assert client.post(f"/tasks/new/?deal={deal.pk}", {"title": "Call back", "deal": deal.pk}).status_code == 302
    with in_tenant(tenant_a):
        assert Task.objects.get(title="Call back").deal == deal
