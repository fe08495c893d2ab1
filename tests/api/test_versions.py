"""Optimistic concurrency in the API (README, "Versions"): a record's GET, POST
and PATCH answer with its ETag; PATCH and DELETE with an If-Match naming an
older version answer 412 `{"detail": ...}` and change nothing; without
If-Match a write goes ahead as it always has."""

import pytest

from crm.accounts.models import Account
from crm.audit.models import AuditEvent
from crm.builder import services as builder_services
from crm.contacts.models import Contact
from crm.deals.models import Deal
from crm.leads.models import Lead
from crm.leads.services import create_lead
from tests.crm.accounts.factories import account, contact
from tests.crm.deals.factories import make_deal
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def client_of(tenant, who="sales"):
    return api_client(tenant, user_of(tenant, who))


def lead(tenant, name):
    with in_tenant(tenant):
        return create_lead(by=user_of(tenant, "sales"), first_name=name)


# (resource, model, a factory, a field and a value to write)
RECORDS = {
    "accounts": (Account, lambda t: account(t, "Versioned Co"), "industry", "Mining"),
    "contacts": (Contact, lambda t: contact(t, "Vera"), "title", "CFO"),
    "leads": (Lead, lambda t: lead(t, "Lena"), "company", "Lena Ltd"),
    "deals": (Deal, lambda t: make_deal(t, name="Versioned deal"), "competitors", "Acme"),
}
# Each resource's name field, which the other editor changes.
NAMES = {"accounts": "name", "contacts": "first_name", "leads": "first_name", "deals": "name"}


def audit_rows(tenant, record):
    with in_tenant(tenant):
        return AuditEvent.objects.filter(target_type=record._meta.label_lower, target_id=record.pk).count()


@pytest.mark.parametrize("resource", RECORDS)
def test_reading_a_record_gives_its_etag_and_changing_it_gives_a_new_one(tenant_a, resource):
    _model, make, field, value = RECORDS[resource]
    record = make(tenant_a)
    client = client_of(tenant_a)
    etag = client.get(f"/api/v1/{resource}/{record.pk}/")["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2
    response = client.patch(f"/api/v1/{resource}/{record.pk}/", {field: value}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] not in ("", etag)
    assert client.get(f"/api/v1/{resource}/{record.pk}/")["ETag"] == response["ETag"]


@pytest.mark.parametrize("resource", RECORDS)
def test_a_patch_with_a_stale_if_match_is_412_and_changes_nothing(tenant_a, resource):
    model, make, field, value = RECORDS[resource]
    record = make(tenant_a)
    first, second = client_of(tenant_a, "sales"), client_of(tenant_a, "admin")
    etag = second.get(f"/api/v1/{resource}/{record.pk}/")["ETag"]
    renamed = first.patch(f"/api/v1/{resource}/{record.pk}/", {NAMES[resource]: "Renamed"}, format="json")
    assert renamed.status_code == 200
    rows = audit_rows(tenant_a, record)

    response = second.patch(f"/api/v1/{resource}/{record.pk}/", {field: value}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert list(response.json()) == ["detail"]
    with in_tenant(tenant_a):
        assert getattr(model.objects.get(pk=record.pk), field) != value
    assert audit_rows(tenant_a, record) == rows


def test_a_patch_without_if_match_goes_ahead_as_before(tenant_a):
    record = account(tenant_a, "Unconditional Co")
    client = client_of(tenant_a)
    client.patch(f"/api/v1/accounts/{record.pk}/", {"industry": "Retail"}, format="json")
    response = client.patch(f"/api/v1/accounts/{record.pk}/", {"region": "North"}, format="json")
    assert response.status_code == 200
    assert (response.json()["industry"], response.json()["region"]) == ("Retail", "North")


def test_if_match_star_or_any_listed_current_tag_lets_the_write_through(tenant_a):
    record = account(tenant_a, "Listed Tags Co")
    client = client_of(tenant_a)
    etag = client.get(f"/api/v1/accounts/{record.pk}/")["ETag"]
    url = f"/api/v1/accounts/{record.pk}/"
    assert client.patch(url, {"industry": "A"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    current = client.get(url)["ETag"]
    assert client.patch(url, {"industry": "B"}, format="json", HTTP_IF_MATCH=f"{etag}, {current}").status_code == 200


def test_a_weak_etag_never_matches(tenant_a):
    record = account(tenant_a, "Weak Tag Co")
    client = client_of(tenant_a)
    etag = client.get(f"/api/v1/accounts/{record.pk}/")["ETag"]
    url = f"/api/v1/accounts/{record.pk}/"
    response = client.patch(url, {"industry": "X"}, format="json", HTTP_IF_MATCH=f"W/{etag}")
    assert response.status_code == 412


def test_a_patch_that_changes_nothing_keeps_the_etag(tenant_a):
    record = account(tenant_a, "Same Again Co", industry="Retail")
    client = client_of(tenant_a)
    etag = client.get(f"/api/v1/accounts/{record.pk}/")["ETag"]
    response = client.patch(f"/api/v1/accounts/{record.pk}/", {"industry": "Retail"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] == etag


def test_creating_a_record_answers_with_its_etag(tenant_a):
    response = client_of(tenant_a).post("/api/v1/accounts/", {"name": "Fresh Tag Co"}, format="json")
    assert response.status_code == 201
    assert response["ETag"] == client_of(tenant_a).get(f"/api/v1/accounts/{response.json()['id']}/")["ETag"]


def test_a_delete_with_a_stale_if_match_is_412_and_with_the_current_one_204(tenant_a):
    record = account(tenant_a, "Deleted Later Co")
    client = client_of(tenant_a)
    etag = client.get(f"/api/v1/accounts/{record.pk}/")["ETag"]
    client.patch(f"/api/v1/accounts/{record.pk}/", {"industry": "Changed"}, format="json")
    stale = client.delete(f"/api/v1/accounts/{record.pk}/", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and "detail" in stale.json()
    with in_tenant(tenant_a):
        assert Account.objects.filter(pk=record.pk).exists()
    current = client.get(f"/api/v1/accounts/{record.pk}/")["ETag"]
    assert client.delete(f"/api/v1/accounts/{record.pk}/", HTTP_IF_MATCH=current).status_code == 204


def test_a_custom_object_record_is_versioned_the_same_way(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        builder_services.create_object(by=admin, name="gadget", label="Gadget", label_plural="Gadgets")
        builder_services.create_field(by=admin, object_name="gadget", name="serial", label="Serial", type="text")
        gadget = builder_services.create_record("gadget", by=admin, name="Widget", values={"serial": "S-1"})
    client = client_of(tenant_a, "admin")
    url = f"/api/v1/objects/gadget/{gadget.pk}/"
    etag = client.get(url)["ETag"]
    changed = client.patch(url, {"serial": "S-2"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    stale = client.patch(url, {"serial": "S-3"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert client.get(url).json()["serial"] == "S-2"
