"""The builder's core: definitions become real columns and tables, values are checked by Python and PostgreSQL."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404

from crm.builder import ddl, query, selectors, services
from crm.builder.models import CustomField
from crm.contacts.models import Contact
from tests.crm.accounts.factories import contact
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db


def columns(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s",
            [table],
        )
        return {name: (kind, nullable) for name, kind, nullable in cursor.fetchall()}


def test_a_field_on_contacts_is_a_real_indexed_column(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        services.create_field(by=admin, object_name="contacts", name="wechat_id", label="WeChat", type="text")
        assert columns("contacts_contact")["cf_wechat_id"] == ("character varying", "YES")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = 'contacts_contact' AND indexdef LIKE '%cf_wechat_id%'"
            )
            assert len(cursor.fetchall()) == 1
        [field] = selectors.fields_for("contacts")
        assert (field.name, field.api_key, field.column) == ("wechat_id", "wechat_id", "cf_wechat_id")


def test_values_are_written_filtered_and_sorted_through_annotations(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        services.create_field(
            by=admin, object_name="contacts", name="score", label="Score", type="integer", min_value=0, max_value=100
        )
    ann, bob = contact(tenant_a, "Ann"), contact(tenant_a, "Bob")
    with in_tenant(tenant_a):
        fields = selectors.fields_for("contacts")
        services.set_custom_values(object_name="contacts", record_id=ann.pk, values={"score": 7})
        services.set_custom_values(object_name="contacts", record_id=bob.pk, values={"score": 70})
        rows = query.with_custom_fields(Contact.objects.filter(pk__in=[ann.pk, bob.pk]), "contacts", fields)
        assert list(rows.order_by("-score").values_list("first_name", "score")) == [("Bob", 70), ("Ann", 7)]
        assert list(query.filter_custom(rows, fields, {"score__gte": "10"}).values_list("pk", flat=True)) == [bob.pk]
        with pytest.raises(ValidationError) as error:
            query.filter_custom(rows, fields, {"score": "many"})
        assert "score" in error.value.message_dict
        # PostgreSQL refuses what Python would: the CHECK is real.
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE contacts_contact SET cf_score = 101 WHERE id = %s", [ann.pk])


def test_a_unique_field_refuses_a_second_record_with_the_value(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        services.create_field(by=admin, object_name="contacts", name="badge", label="Badge", type="text", unique=True)
    ann, bob = contact(tenant_a, "Ann"), contact(tenant_a, "Bob")
    with in_tenant(tenant_a):
        services.set_custom_values(object_name="contacts", record_id=ann.pk, values={"badge": "A1"})
        with pytest.raises(ValidationError) as error:
            services.set_custom_values(object_name="contacts", record_id=bob.pk, values={"badge": "A1"})
        assert error.value.message_dict == {"badge": ["Another record already has this value."]}


def test_bad_names_are_refused(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        for name in ("email", "Bad", "1x", "cf_x", "select", "page", "a__b", "owner_id", "accounts"):
            with pytest.raises(ValidationError) as error:
                services.create_field(by=admin, object_name="contacts", name=name, label="X", type="text")
            assert "name" in error.value.message_dict, name
        assert not CustomField.objects.exists()


def test_custom_object_records_and_lookups(tenant_a):
    admin, sales = user_of(tenant_a, "admin"), user_of(tenant_a, "sales")
    with in_tenant(tenant_a):
        services.create_object(by=admin, name="vehicle", label="Vehicle", label_plural="Vehicles")
        services.create_field(
            by=admin, object_name="vehicle", name="plate", label="Plate", type="text", required=True, unique=True
        )
        services.create_field(
            by=admin, object_name="vehicle", name="account", label="Account", type="lookup", target="accounts"
        )
        assert set(columns("cx_vehicle")) >= {"id", "name", "owner_id", "created_at", "updated_at", "cf_plate"}
        with pytest.raises(ValidationError) as error:
            services.create_record("vehicle", by=sales, name="Van", values={})
        assert error.value.message_dict == {"plate": ["This field is required."]}
        van = services.create_record("vehicle", by=sales, name="Van", values={"plate": "B-123"})
        assert van.plate == "B-123" and van.owner_id == sales.pk
        assert selectors.record_get_for_user(sales, "vehicle", van.pk).plate == "B-123"
        with pytest.raises(Http404):
            selectors.record_get_for_user(user_of(tenant_a, "sales2"), "vehicle", van.pk)
        updated = services.update_record("vehicle", van, by=sales, name="Big van", values={"plate": "B-124"})
        assert (updated.name, updated.plate) == ("Big van", "B-124")
        # Two writers of one unique value: the database decides.
        with pytest.raises(ValidationError) as error:
            services.create_record("vehicle", by=sales, name="Other", values={"plate": "B-124"})
        assert error.value.message_dict == {"plate": ["Another record already has this value."]}


def test_a_required_field_on_a_built_in_object_needs_a_default(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        with pytest.raises(ValidationError) as error:
            services.create_field(
                by=admin,
                object_name="contacts",
                name="tier",
                label="Tier",
                type="choice",
                choices=["a", "b"],
                required=True,
            )
        assert "required" in error.value.message_dict
        services.create_field(
            by=admin,
            object_name="contacts",
            name="tier",
            label="Tier",
            type="choice",
            choices=["a", "b"],
            required=True,
            default="a",
        )
        assert columns("contacts_contact")["cf_tier"] == ("character varying", "NO")


def test_replay_is_idempotent(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        services.create_object(by=admin, name="vehicle", label="Vehicle", label_plural="Vehicles")
        services.create_field(
            by=admin, object_name="vehicle", name="tags", label="Tags", type="multi_choice", choices=["a", "b"]
        )
        with transaction.atomic():
            assert ddl.replay() == []
