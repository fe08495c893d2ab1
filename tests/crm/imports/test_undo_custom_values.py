"""Undoing an import also sets back the custom field values its updates changed."""

import datetime

import pytest

from crm.builder import services as builder_services
from crm.builder.query import with_custom_fields
from crm.builder.selectors import fields_for
from crm.contacts.models import Contact
from crm.imports import services
from crm.imports.models import ImportJob
from tests.factories import make_contact
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def _custom(tenant, contact):
    with in_tenant(tenant):
        rows = with_custom_fields(Contact.objects.filter(pk=contact.pk), "contacts", fields_for("contacts"))
        return rows.values("title", "wechat", "met_on", "tier").get()


def test_undo_sets_back_the_custom_values_an_update_changed(tenant_a):
    admin, sales = user_of(tenant_a, "admin"), user_of(tenant_a, "sales")
    with in_tenant(tenant_a):
        for name, kind, options in (
            ("wechat", "text", {}),
            ("met_on", "date", {}),
            ("tier", "choice", {"choices": ["gold", "silver"]}),
        ):
            builder_services.create_field(
                by=admin, object_name="contacts", name=name, label=name.title(), type=kind, **options
            )
        known = make_contact(by=sales, first_name="Known", last_name="Custom", email="known@custom.test", title="CEO")
        builder_services.set_custom_values(
            object_name="contacts",
            record_id=known.pk,
            values={"wechat": "old-wx", "met_on": datetime.date(2025, 3, 1), "tier": None},
        )
    before = _custom(tenant_a, known)
    content = b"first_name,email,title,wechat,met_on,tier\nKnown,known@custom.test,CTO,new-wx,2026-01-02,gold\n"
    with in_tenant(tenant_a):
        job = services.create_job(by=sales, kind="contacts", file_name="c.csv", content=content, mode="update")
        job = services.run_job(ImportJob.objects.get(pk=job.pk))
    assert job.updated_count == 1
    assert _custom(tenant_a, known) == {
        "title": "CTO",
        "wechat": "new-wx",
        "met_on": datetime.date(2026, 1, 2),
        "tier": "gold",
    }

    response = api_client(tenant_a, sales).post(f"/api/v1/imports/{job.pk}/undo/")

    assert response.status_code == 200, response.json()
    assert _custom(tenant_a, known) == before
