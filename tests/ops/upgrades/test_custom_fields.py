"""Upgrades of the built-in model leave custom fields alone (docs/decisions/008):
a release that adds a built-in field, even one named like a tenant's custom
field, migrates through `manage.py upgrade` without touching the `cf_` columns
or their values, and the API then serves the custom field under `cf_<name>`."""

import io
import uuid
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from crm.builder import ddl, objects, query, selectors, services
from crm.contacts.models import Contact
from crm.contacts.services import create_contact
from ops.models import TenantUpgrade
from tests.crm.accounts.factories import contact
from tests.ops.upgrades.conftest import contacts_release, row
from tests.tenancy import api_client, in_tenant, sign_up, user_of

# The built-in column the "next release" adds to contacts: the name of a custom field.
BUILTIN = "wechat_id"


@pytest.fixture
def old_tenant(committed_db):
    """A committed tenant signed up by the code before the release."""
    tenant = sign_up()
    committed_db.append(tenant)
    return tenant


@pytest.fixture
def builtin_field_release(old_tenant, settings, tmp_path, committed_db):
    """The code after a release whose migration adds the built-in column
    `contacts_contact.wechat_id`; afterwards it leaves every schema."""
    name = f"9999_builtin_{uuid.uuid4().hex[:8]}"
    with contacts_release(
        settings,
        tmp_path,
        name,
        f"ALTER TABLE contacts_contact ADD COLUMN {BUILTIN} varchar(100)",
        f"ALTER TABLE contacts_contact DROP COLUMN {BUILTIN}",
        cleanup=[f"ALTER TABLE IF EXISTS {{schema}}.contacts_contact DROP COLUMN IF EXISTS {BUILTIN}"],
    ):
        yield name
    TenantUpgrade.objects.all().delete()


def _columns(schema):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = 'contacts_contact'",
            [schema],
        )
        return {r[0] for r in cursor.fetchall()}


def test_an_upgrade_adding_a_built_in_field_keeps_custom_columns_and_values(old_tenant, builtin_field_release):
    tenant = old_tenant
    with in_tenant(tenant):
        admin = user_of(tenant, "owner")
        services.create_field(by=admin, object_name="contacts", name=BUILTIN, label="WeChat", type="text")
        services.create_field(
            by=admin, object_name="contacts", name="score", label="Score", type="integer", unique=True, min_value=0
        )
        ann = create_contact(by=admin, first_name="Ann", owner=admin)
        bob = create_contact(by=admin, first_name="Bob", owner=admin)
        services.set_custom_values(object_name="contacts", record_id=ann.pk, values={BUILTIN: "wx-ann", "score": 1})
        services.set_custom_values(object_name="contacts", record_id=bob.pk, values={BUILTIN: "wx-bob", "score": 2})

    out = io.StringIO()
    call_command("upgrade", "--no-pool", "--canary", "0", "--workers", "1", stdout=out, stderr=io.StringIO())

    assert row(tenant).status == TenantUpgrade.Status.DONE
    assert row(tenant).applied == [f"contacts.{builtin_field_release}"]
    # The built-in column and the custom one live side by side (the cf_ prefix).
    assert {BUILTIN, f"cf_{BUILTIN}", "cf_score"} <= _columns(tenant.schema_name)
    with in_tenant(tenant):
        rows = query.with_custom_fields(
            Contact.objects.filter(pk__in=[ann.pk, bob.pk]).order_by("pk"), "contacts", selectors.fields_for("contacts")
        )
        assert [(c.first_name, c.wechat_id, c.score) for c in rows] == [("Ann", "wx-ann", 1), ("Bob", "wx-bob", 2)]
        # Every column, constraint and index the metadata describes is still there.
        with transaction.atomic():
            assert ddl.replay() == []


@pytest.mark.django_db
def test_once_a_built_in_field_takes_its_name_the_api_serves_the_custom_field_as_cf_name(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        services.create_field(by=admin, object_name="contacts", name=BUILTIN, label="WeChat", type="text")
    made = contact(tenant_a, "Collide", owner="sales")
    client = api_client(tenant_a, admin)
    assert client.patch(f"/api/v1/contacts/{made.pk}/", {BUILTIN: "wx-1"}, format="json").status_code == 200

    # A later release reserves the name on contacts (a model field or an API key of its own).
    release = mock.patch.dict(objects._API_KEYS, {"contacts": objects._API_KEYS["contacts"] | {BUILTIN}})
    with release:
        with in_tenant(tenant_a):
            [field] = selectors.fields_for("contacts")
        assert (field.name, field.column, field.api_key) == (BUILTIN, f"cf_{BUILTIN}", f"cf_{BUILTIN}")

        body = client.get(f"/api/v1/contacts/{made.pk}/").json()
        assert body[f"cf_{BUILTIN}"] == "wx-1" and body.get(BUILTIN) != "wx-1"
        changed = client.patch(f"/api/v1/contacts/{made.pk}/", {f"cf_{BUILTIN}": "wx-2"}, format="json")
        assert changed.status_code == 200 and changed.json()[f"cf_{BUILTIN}"] == "wx-2"
        listed = client.get(f"/api/v1/contacts/?cf_{BUILTIN}=wx-2&ordering=cf_{BUILTIN}").json()
        assert [r["id"] for r in listed["results"]] == [made.pk]
