"""Undoing an import within a day: what it created is deleted, what it updated
is set back, with audit rows; refused after a day or when a record it created
was changed since (named), with nothing changed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.accounts.models import Account
from crm.audit.models import AuditEvent
from crm.contacts import services as contact_services
from crm.contacts.models import Contact
from crm.imports import services
from crm.imports.models import ImportJob
from tests.crm.imports.test_web import browser
from tests.factories import make_contact
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db

FILE = b"first_name,last_name,email,title\nAda,Lovelace,ada@undo.test,Countess\nKnown,Person,known@undo.test,CEO\n"


def _run(tenant):
    """An update-mode import of FILE, run; `known@undo.test` existed as an Engineer."""
    sales = user_of(tenant, "sales")
    with in_tenant(tenant):
        known = make_contact(
            by=sales, first_name="Known", last_name="Person", email="known@undo.test", title="Engineer"
        )
        job = services.create_job(by=sales, kind="contacts", file_name="p.csv", content=FILE, mode="update")
        job = services.run_job(ImportJob.objects.get(pk=job.pk))
    assert (job.created_count, job.updated_count) == (1, 1)
    return job, known


def test_undo_deletes_created_records_and_sets_back_updated_fields_with_audit_rows(tenant_a):
    job, known = _run(tenant_a)
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post(f"/api/v1/imports/{job.pk}/undo/")
    assert response.status_code == 200, response.json()
    assert response.json()["undone_at"]
    with in_tenant(tenant_a):
        assert not Contact.objects.filter(email="ada@undo.test").exists()
        known.refresh_from_db()
        assert known.title == "Engineer"
        assert AuditEvent.objects.filter(action="contact.deleted").count() == 1
        assert AuditEvent.objects.filter(action="import.undone", target_id=job.pk).exists()
    again = client.post(f"/api/v1/imports/{job.pk}/undo/")
    assert again.status_code == 400 and "detail" in again.json()


def test_undo_is_refused_naming_a_created_record_changed_since(tenant_a):
    job, known = _run(tenant_a)
    sales = user_of(tenant_a, "sales")
    with in_tenant(tenant_a):
        ada = Contact.objects.get(email="ada@undo.test")
        contact_services.update_contact(contact=ada, by=sales, title="Mathematician")
    response = api_client(tenant_a, sales).post(f"/api/v1/imports/{job.pk}/undo/")
    assert response.status_code == 400
    assert f"#{ada.pk}" in str(response.json()["detail"])
    with in_tenant(tenant_a):
        assert Contact.objects.filter(pk=ada.pk).exists()
        known.refresh_from_db()
        assert known.title == "CEO"
        assert ImportJob.objects.get(pk=job.pk).undone_at is None


def test_undo_is_refused_after_a_day(tenant_a):
    job, _known = _run(tenant_a)
    with in_tenant(tenant_a):
        ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=1, minutes=1))
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(f"/api/v1/imports/{job.pk}/undo/")
    assert response.status_code == 400
    assert "within a day" in str(response.json()["detail"])
    with in_tenant(tenant_a):
        assert Contact.objects.filter(email="ada@undo.test").exists()


def test_the_import_page_has_an_undo_button_that_undoes(tenant_a):
    job, _known = _run(tenant_a)
    client = browser(tenant_a, "sales")
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert f'action="/imports/{job.pk}/undo/"' in page
    response = client.post(f"/imports/{job.pk}/undo/", follow=True)
    assert "The import was undone." in response.content.decode()
    assert "Done · undone" in client.get("/imports/").content.decode()
    with in_tenant(tenant_a):
        assert not Contact.objects.filter(email="ada@undo.test").exists()


def test_undo_also_deletes_the_account_the_import_made_for_a_new_company(tenant_a):
    sales = user_of(tenant_a, "sales")
    with in_tenant(tenant_a):
        job = services.create_job(
            by=sales,
            kind="contacts",
            file_name="p.csv",
            content=b"first_name,company_name\nAda,Brand New Undo Co\nBob,Brand New Undo Co\n",
        )
        job = services.run_job(ImportJob.objects.get(pk=job.pk))
        assert Account.objects.filter(name="Brand New Undo Co").count() == 1
    response = api_client(tenant_a, sales).post(f"/api/v1/imports/{job.pk}/undo/")
    assert response.status_code == 200, response.json()
    with in_tenant(tenant_a):
        assert not Account.objects.filter(name="Brand New Undo Co").exists()
        assert not Contact.objects.filter(first_name__in=["Ada", "Bob"]).exists()
