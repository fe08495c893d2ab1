"""A field the admin hid from a role is one that role may not write, whichever
way the write comes: the rule (crm.access.permissions.check_writable) is the
record services', not only the API serializers'. A value the user typed for
such a field is refused naming it; values a conversion copies from a lead into
such a field are left out (the field stays empty) and named in what the
conversion reports."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.access.services import set_sensitive_field
from crm.accounts.models import Account
from crm.accounts.services import update_account
from crm.audit.models import AuditEvent
from crm.builder import services as builder_services
from crm.builder.query import with_custom_fields
from crm.builder.selectors import fields_for
from crm.contacts.models import Contact
from crm.deals.models import Deal
from crm.imports import services as imports
from crm.imports.models import ImportJob
from crm.leads.models import Lead
from crm.leads.services import create_lead
from tests.crm.accounts.factories import account
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db

SECRET_EMAIL = "private@customer.test"


def hide(tenant, module, field):
    with in_tenant(tenant):
        set_sensitive_field(by=user_of(tenant, "admin"), module=module, field=field, hidden_from=["sales"])


def import_as_sales(tenant, content, capture):
    """Upload `content` (accounts, update mode) through the API as sales, and run it as the worker would."""
    client = api_client(tenant, user_of(tenant, "sales"))
    with capture():
        response = client.post(
            "/api/v1/imports/",
            {"file": SimpleUploadedFile("accounts.csv", content.encode()), "kind": "accounts", "mode": "update"},
            format="multipart",
        )
    assert response.status_code == 202, response.json()
    with in_tenant(tenant):
        imports.run_job(ImportJob.objects.select_related("created_by").get(pk=response.json()["id"]))
    return client.get(f"/api/v1/imports/{response.json()['id']}/").json()


def test_an_import_in_update_mode_cannot_overwrite_a_masked_email(tenant_a, django_capture_on_commit_callbacks):
    existing = account(tenant_a, "Masked Mail Import Co", owner="sales", email=SECRET_EMAIL)
    hide(tenant_a, "accounts", "email")
    content = "name,email,industry\nMasked Mail Import Co,mine@evil.test,Mining\n"
    job = import_as_sales(tenant_a, content, django_capture_on_commit_callbacks)
    assert [(r["action"], r["id"]) for r in job["results"]] == [("refused", None)]
    assert job["results"][0]["reason"].startswith("E-mail: ")
    with in_tenant(tenant_a):
        stored = Account.objects.get(pk=existing.pk)
    assert (stored.email, stored.industry) == (SECRET_EMAIL, "")


def test_an_import_in_update_mode_cannot_overwrite_a_masked_custom_field(tenant_a, django_capture_on_commit_callbacks):
    admin = user_of(tenant_a, "admin")
    existing = account(tenant_a, "Masked Code Import Co", owner="sales")
    with in_tenant(tenant_a):
        builder_services.create_field(by=admin, object_name="accounts", name="vip_code", label="VIP code", type="text")
        builder_services.set_custom_values(object_name="accounts", record_id=existing.pk, values={"vip_code": "V-1"})
    hide(tenant_a, "accounts", "vip_code")
    job = import_as_sales(tenant_a, "name,vip_code\nMasked Code Import Co,V-666\n", django_capture_on_commit_callbacks)
    assert job["results"][0]["action"] == "refused"
    assert job["results"][0]["reason"].startswith("VIP code: ")
    with in_tenant(tenant_a):
        fields = fields_for("accounts")
        stored = with_custom_fields(Account.objects.filter(pk=existing.pk), "accounts", fields).get()
    assert stored.vip_code == "V-1"


def test_converting_a_lead_cannot_set_a_masked_deal_amount(tenant_a):
    hide(tenant_a, "deals", "amount")
    with in_tenant(tenant_a):
        lead = create_lead(by=user_of(tenant_a, "sales"), first_name="Amy", company="Amount Co")
        deals_before = Deal.objects.count()
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(
        f"/api/v1/leads/{lead.pk}/convert/", {"create_deal": True, "amount": "90000.00"}, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["amount"]
    with in_tenant(tenant_a):
        assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW
        assert Deal.objects.count() == deals_before
        assert not Account.objects.filter(name="Amount Co").exists()


def test_converting_a_lead_leaves_a_masked_contact_email_empty_and_says_so(tenant_a):
    hide(tenant_a, "contacts", "email")
    with in_tenant(tenant_a):
        lead = create_lead(by=user_of(tenant_a, "sales"), first_name="Eve", company="Copy Co", email=SECRET_EMAIL)
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(
        f"/api/v1/leads/{lead.pk}/convert/", {}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["not_copied"] == {"contacts": ["email"]}
    with in_tenant(tenant_a):
        converted = Lead.objects.get(pk=lead.pk)
        assert Contact.objects.get(pk=converted.converted_contact_id).email == ""
        event = AuditEvent.objects.get(target_type="leads.lead", target_id=lead.pk, action="lead.converted")
    assert event.payload["not_copied"] == {"contacts": ["email"]}


def test_converting_a_lead_leaves_a_masked_title_and_account_source_empty_and_says_so(tenant_a):
    hide(tenant_a, "contacts", "title")
    hide(tenant_a, "accounts", "source")
    with in_tenant(tenant_a):
        lead = create_lead(
            by=user_of(tenant_a, "sales"), first_name="Eve", company="Title Co", title="CEO", source="referral"
        )
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(
        f"/api/v1/leads/{lead.pk}/convert/", {}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["not_copied"] == {"accounts": ["source"], "contacts": ["title"]}
    with in_tenant(tenant_a):
        converted = Lead.objects.get(pk=lead.pk)
        assert Contact.objects.get(pk=converted.converted_contact_id).title == ""
        assert Account.objects.get(pk=converted.converted_account_id).source == ""


@pytest.mark.parametrize("field", ["email", "phone"])
def test_an_accounts_primary_contact_cannot_carry_a_masked_contact_field(tenant_a, field):
    hide(tenant_a, "contacts", field)
    value = SECRET_EMAIL if field == "email" else "+86 138 0000 0000"
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(
        "/api/v1/accounts/",
        {"name": f"Primary {field} Co", "primary_contact": {"first_name": "Pat", field: value}},
        format="json",
    )
    assert response.status_code == 400 and list(response.json()) == ["primary_contact"]
    assert response.json()["primary_contact"][0].startswith(f"{field}: ")
    with in_tenant(tenant_a):
        assert not Account.objects.filter(name=f"Primary {field} Co").exists()
        assert not Contact.objects.filter(first_name="Pat", **{field: value}).exists()


def test_the_update_service_refuses_a_masked_field_whoever_calls_it(tenant_a):
    existing = account(tenant_a, "Service Masked Co", owner="sales", email=SECRET_EMAIL)
    hide(tenant_a, "accounts", "email")
    with in_tenant(tenant_a), pytest.raises(ValidationError) as refused:
        update_account(account=existing, by=user_of(tenant_a, "sales"), email="mine@evil.test")
    assert list(refused.value.message_dict) == ["email"]
    with in_tenant(tenant_a):
        assert Account.objects.get(pk=existing.pk).email == SECRET_EMAIL
