"""Definition changes are transactional, limited, and recoverable for the grace period."""

from datetime import timedelta

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.utils import timezone

from crm.builder import ddl, selectors, services, tasks
from crm.builder.models import CustomField, CustomObject
from tests.crm.accounts.factories import contact
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def has_column(table, column):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s AND column_name = %s",
            [table, column],
        )
        return cursor.fetchone() is not None


def test_a_ddl_error_midway_leaves_neither_metadata_nor_column(tenant_a, monkeypatch):
    def broken(table, field):
        return ["CREATE INDEX broken ON no_such_table (x)"]

    monkeypatch.setattr(ddl, "_index_statements", broken)
    with in_tenant(tenant_a):
        with pytest.raises(DatabaseError):
            services.create_field(
                by=user_of(tenant_a, "admin"), object_name="contacts", name="wechat_id", label="WeChat", type="text"
            )
        assert not CustomField.objects.exists()
        assert not has_column("contacts_contact", "cf_wechat_id")


def test_a_table_in_use_gives_up_after_the_lock_timeout_with_409_and_changes_nothing(tenant_a, monkeypatch):
    monkeypatch.setattr(ddl, "LOCK_TIMEOUT", "300ms")
    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )
    try:
        # Another transaction reads contacts (a long report, say) and holds its lock.
        other.execute(f'LOCK TABLE "{tenant_a.schema_name}".contacts_contact IN ACCESS SHARE MODE')
        response = api_client(tenant_a, user_of(tenant_a, "admin")).post(
            "/api/v1/customization/fields/",
            {"object": "contacts", "name": "wechat_id", "label": "WeChat", "type": "text"},
            format="json",
        )
    finally:
        other.rollback()
        other.close()
    assert response.status_code == 409
    assert "try again" in response.json()["detail"]
    with in_tenant(tenant_a):
        assert not CustomField.objects.exists()
        assert not has_column("contacts_contact", "cf_wechat_id")


def test_past_the_limits_a_400_says_so(tenant_a, settings):
    settings.BUILDER_MAX_FIELDS_PER_OBJECT = 2
    settings.BUILDER_MAX_OBJECTS = 1
    client = api_client(tenant_a, user_of(tenant_a, "admin"))
    for name in ("one", "two"):
        assert (
            client.post(
                "/api/v1/customization/fields/",
                {"object": "leads", "name": name, "label": name, "type": "text"},
                format="json",
            ).status_code
            == 201
        )
    third = client.post(
        "/api/v1/customization/fields/",
        {"object": "leads", "name": "three", "label": "3", "type": "text"},
        format="json",
    )
    assert third.status_code == 400 and "2 custom fields" in third.json()["object"][0]
    assert (
        client.post(
            "/api/v1/customization/objects/", {"name": "car", "label": "Car", "label_plural": "Cars"}, format="json"
        ).status_code
        == 201
    )
    second = client.post(
        "/api/v1/customization/objects/", {"name": "boat", "label": "Boat", "label_plural": "Boats"}, format="json"
    )
    assert second.status_code == 400 and "1 custom objects" in second.json()["non_field_errors"][0]


def test_a_deleted_field_is_hidden_then_restored_with_its_data(tenant_a):
    admin = api_client(tenant_a, user_of(tenant_a, "admin"))
    field = admin.post(
        "/api/v1/customization/fields/",
        {"object": "contacts", "name": "wechat_id", "label": "WeChat", "type": "text"},
        format="json",
    ).json()
    sales = api_client(tenant_a, user_of(tenant_a, "sales"))
    ann = sales.post("/api/v1/contacts/", {"first_name": "Ann", "wechat_id": "ann1"}, format="json").json()
    assert admin.delete(f"/api/v1/customization/fields/{field['id']}/").status_code == 204
    assert "wechat_id" not in sales.get(f"/api/v1/contacts/{ann['id']}/").json()
    deleted = admin.get("/api/v1/customization/fields/?deleted=true").json()["results"]
    assert [f["name"] for f in deleted] == ["wechat_id"]
    # The name stays taken until the purge.
    again = admin.post(
        "/api/v1/customization/fields/",
        {"object": "contacts", "name": "wechat_id", "label": "WeChat", "type": "text"},
        format="json",
    )
    assert again.status_code == 400 and "name" in again.json()
    assert admin.post(f"/api/v1/customization/fields/{field['id']}/restore/").status_code == 200
    assert sales.get(f"/api/v1/contacts/{ann['id']}/").json()["wechat_id"] == "ann1"


def test_the_purge_drops_what_was_deleted_before_the_grace_period(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        old = services.create_field(by=admin, object_name="contacts", name="old", label="Old", type="text")
        recent = services.create_field(by=admin, object_name="contacts", name="recent", label="Recent", type="text")
        car = services.create_object(by=admin, name="car", label="Car", label_plural="Cars")
        services.delete_field(old, by=admin)
        services.delete_field(recent, by=admin)
        services.delete_object(car, by=admin)
        long_ago = timezone.now() - timedelta(days=8)
        CustomField.objects.filter(pk=old.pk).update(deleted_at=long_ago)
        CustomObject.objects.filter(pk=car.pk).update(deleted_at=long_ago)
        tasks.purge_deleted.run()
        assert not has_column("contacts_contact", "cf_old")
        assert has_column("contacts_contact", "cf_recent")
        assert list(CustomField.objects.values_list("name", flat=True)) == ["recent"]
        assert not CustomObject.objects.exists()
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('cx_car')")
            assert cursor.fetchone()[0] is None


def test_a_field_cannot_become_unique_or_required_while_records_disagree(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        field = services.create_field(by=admin, object_name="contacts", name="badge", label="Badge", type="text")
    ann, bob = contact(tenant_a, "Ann"), contact(tenant_a, "Bob")
    with in_tenant(tenant_a):
        services.set_custom_values(object_name="contacts", record_id=ann.pk, values={"badge": "A"})
        services.set_custom_values(object_name="contacts", record_id=bob.pk, values={"badge": "A"})
        with pytest.raises(ValidationError) as error:
            services.update_field(field, by=admin, unique=True)
        assert list(error.value.message_dict) == ["unique"]
        assert not CustomField.objects.get(pk=field.pk).unique
        services.update_field(field, by=admin, label="Badge no.", position=5)
        assert selectors.fields_for("contacts")[0].label == "Badge no."


def test_changing_choices_replaces_the_check_constraint(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        field = services.create_field(
            by=admin, object_name="contacts", name="tier", label="Tier", type="choice", choices=["a", "b"]
        )
    ann = contact(tenant_a, "Ann")
    with in_tenant(tenant_a):
        services.set_custom_values(object_name="contacts", record_id=ann.pk, values={"tier": "b"})
        with pytest.raises(ValidationError) as error:
            services.update_field(field, by=admin, choices=["a"])
        assert list(error.value.message_dict) == ["choices"]
        field = services.update_field(CustomField.objects.get(pk=field.pk), by=admin, choices=["a", "b", "c"])
        services.set_custom_values(object_name="contacts", record_id=ann.pk, values={"tier": "c"})
