"""Custom fields and objects in backups (docs/decisions/006 and 008): a backup
holds the custom columns, the `cx_` tables and the builder's metadata; a restore
puts the data model back as it was at backup time (fields added since are gone,
their columns dropped) with the values and records of the fields that existed."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from crm.accounts.models import Account
from crm.builder import dynamic, query, selectors, services
from crm.builder.models import CustomField, CustomObject
from crm.contacts.models import Contact
from crm.users.models import User
from ops.backups import custom
from ops.backups import services as backups
from tenants.models import Tenant
from tests.ops.backups.conftest import add_records, table_rows
from tests.ops.backups.test_restore_variants import _migrate, _newest_contacts_migration
from tests.tenancy import in_tenant, unique_subdomain


def _admin(tenant):
    return User.objects.get(email=tenant.owner_email)


def _customize(tenant):
    """Two fields on contacts with values, and a custom object `vehicle` with a
    unique field and a lookup to accounts, holding one record."""
    with in_tenant(tenant):
        admin = _admin(tenant)
        services.create_field(by=admin, object_name="contacts", name="wechat_id", label="WeChat", type="text")
        services.create_field(
            by=admin,
            object_name="contacts",
            name="score",
            label="Score",
            type="integer",
            min_value=0,
            max_value=100,
            unique=True,
        )
        for number, contact in enumerate(Contact.objects.order_by("pk")):
            services.set_custom_values(
                object_name="contacts",
                record_id=contact.pk,
                values={"wechat_id": f"wx-{contact.first_name}", "score": number},
            )
        services.create_object(by=admin, name="vehicle", label="Vehicle", label_plural="Vehicles")
        services.create_field(by=admin, object_name="vehicle", name="plate", label="Plate", type="text", unique=True)
        services.create_field(
            by=admin, object_name="vehicle", name="account", label="Account", type="lookup", target="accounts"
        )
        account = Account.objects.order_by("pk").first()
        services.create_record("vehicle", by=admin, name="Van", values={"plate": "AB-123", "account": account.pk})


def _change_the_model(tenant):
    """After the backup: a new field with values, a new object, changed values, a new vehicle."""
    with in_tenant(tenant):
        admin = _admin(tenant)
        services.create_field(by=admin, object_name="contacts", name="later", label="Later", type="integer")
        services.create_object(by=admin, name="boat", label="Boat", label_plural="Boats")
        for contact in Contact.objects.all():
            services.set_custom_values(
                object_name="contacts", record_id=contact.pk, values={"later": 1, "wechat_id": "changed"}
            )
        services.create_record("vehicle", by=admin, name="Truck", values={"plate": "ZZ-999"})


def _structure(schema):
    """Columns (with type and nullability), constraints and indexes of `schema`'s tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = %s",
            [schema],
        )
        columns = set(cursor.fetchall())
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = %s::regnamespace",
            [schema],
        )
        # By name and kind: a CHECK replayed from the stored metadata may be written
        # differently (`cf_score::numeric >= 0.0000000000` for `cf_score >= 0`) and mean the same.
        constraints = {
            (table.split(".")[-1], name, definition.split(" ")[0] if definition.startswith("CHECK") else definition)
            for table, name, definition in cursor.fetchall()
        }
        cursor.execute(
            "SELECT tablename, indexname, replace(indexdef, %s, '') FROM pg_indexes WHERE schemaname = %s",
            [f"{schema}.", schema],
        )
        indexes = set(cursor.fetchall())
    return columns, constraints, indexes


def _custom_columns(schema, table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = %s AND column_name LIKE 'cf\\_%%' ORDER BY 1",
            [schema, table],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db  # (also makes pytest-django create the test database for the committed tests here)
def test_the_builders_metadata_tables_are_known_to_backups():
    assert custom.metadata_tables() == {CustomObject._meta.db_table, CustomField._meta.db_table, "builder_layout"}


def test_a_backup_holds_custom_columns_and_tables_with_the_metadata_first(local_backups, committed_tenant, media):
    tenant = committed_tenant()
    add_records(tenant, contacts=2, files=0)
    _customize(tenant)

    backup = backups.take_backup(tenant=tenant)

    tables = backup.manifest["tables"]
    assert {"cf_wechat_id", "cf_score"} <= set(tables["contacts_contact"]["columns"])
    assert tables["cx_vehicle"]["rows"] == 1 and len(tables["cx_vehicle"]["sha256"]) == 64
    assert set(tables["cx_vehicle"]["columns"]) >= {"id", "name", "owner_id", "cf_plate", "cf_account"}
    assert backup.manifest["custom"]["custom_tables"] == ["cx_vehicle"]
    assert backup.manifest["custom"]["custom_columns"]["contacts_contact"] == ["cf_wechat_id", "cf_score"]
    assert tables["builder_customfield"]["rows"] == 4
    # The builder's tables come before every other table (restore replays from them first).
    order = [part["name"] for part in backup.manifest["parts"] if part["kind"] == "table"]
    metadata = backup.manifest["custom"]["metadata_tables"]
    assert set(metadata) >= {"builder_customfield", "builder_customobject"}
    assert order[: len(metadata)] == sorted(metadata)


def test_restore_brings_back_the_model_as_it_was_at_backup_time(s3, committed_tenant, media):
    tenant = committed_tenant()
    add_records(tenant, contacts=3, files=0)
    _customize(tenant)
    rows, structure = table_rows(tenant.schema_name), _structure(tenant.schema_name)
    backup = backups.take_backup(tenant=tenant)
    _change_the_model(tenant)
    assert "cf_later" in _custom_columns(tenant.schema_name, "contacts_contact")

    item = backups.run_restore(restore_id=backups.request_restore(backup=backup, queue=False).pk)

    # Every row (custom values, metadata, the vehicle) and the whole structure
    # (columns, NOT NULL, CHECKs, unique and plain indexes, foreign keys) as at backup time.
    assert table_rows(tenant.schema_name) == rows
    assert _structure(tenant.schema_name) == structure
    # The field and object added after the backup are gone, columns, table and metadata alike.
    assert _custom_columns(tenant.schema_name, "contacts_contact") == ["cf_score", "cf_wechat_id"]
    with in_tenant(tenant):
        assert not CustomField.objects.filter(name="later").exists()
        assert not CustomObject.objects.filter(name="boat").exists()
        assert [f.name for f in selectors.fields_for("contacts")] == ["wechat_id", "score"]
        contacts = query.with_custom_fields(Contact.objects.order_by("pk"), "contacts")
        assert [(c.wechat_id, c.score) for c in contacts] == [("wx-c0", 0), ("wx-c1", 1), ("wx-c2", 2)]
        vehicles = query.with_custom_fields(dynamic.record_model("vehicle").objects.all(), "vehicle")
        assert [(v.name, v.plate) for v in vehicles] == [("Van", "AB-123")]
        # The restored tenant keeps working: new records and new fields.
        admin = _admin(tenant)
        truck = services.create_record("vehicle", by=admin, name="Truck", values={"plate": "ZZ-999"})
        assert truck.pk > vehicles[0].pk
        services.create_field(by=admin, object_name="contacts", name="later", label="Later", type="integer")
        # The CHECKs are real again.
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE contacts_contact SET cf_score = 101")
    assert "cx_boat" not in table_rows(tenant.schema_name)
    # The undo schema is the tenant as it was before the restore, later field and all.
    assert "cf_later" in _custom_columns(item.undo_schema, "contacts_contact")


def test_a_backup_at_an_older_schema_version_restores_custom_fields_and_migrates_forward(
    local_backups, committed_tenant, media
):
    leaf, parent = _newest_contacts_migration()
    tenant = committed_tenant()
    add_records(tenant, contacts=2, files=0)
    _customize(tenant)
    _migrate(tenant.schema_name, [parent])
    contacts = table_rows(tenant.schema_name)["contacts_contact"]
    backup = backups.take_backup(tenant=tenant)
    _migrate(tenant.schema_name, [leaf])

    backups.run_restore(restore_id=backups.request_restore(backup=backup, queue=False).pk)

    # Built at the old version (not from a spare), custom fields replayed, then migrated forward.
    assert table_rows(tenant.schema_name)["contacts_contact"] == contacts
    with in_tenant(tenant):
        found = query.with_custom_fields(Contact.objects.order_by("pk"), "contacts")
        assert [c.wechat_id for c in found] == ["wx-c0", "wx-c1"]


def test_restore_into_a_new_tenant_carries_custom_fields_and_objects(
    local_backups, committed_tenant, committed_db, media
):
    original = committed_tenant()
    add_records(original, contacts=2, files=0)
    _customize(original)
    backup = backups.take_backup(tenant=original)
    then = table_rows(original.schema_name)
    _change_the_model(original)
    copy_subdomain = unique_subdomain("copy")

    call_command(
        "restore_tenant", original.subdomain, "--backup", str(backup.pk), "--into", copy_subdomain, stdout=StringIO()
    )
    copy = Tenant.objects.get(subdomain=copy_subdomain)
    committed_db.append(copy)

    restored = table_rows(copy.schema_name)
    for table in ("contacts_contact", "cx_vehicle", "builder_customfield", "builder_customobject"):
        assert restored[table] == then[table]
    assert "cx_boat" not in restored
    with in_tenant(copy):
        assert [f.name for f in selectors.fields_for("contacts")] == ["wechat_id", "score"]
        vehicles = query.with_custom_fields(dynamic.record_model("vehicle").objects.all(), "vehicle")
        assert [v.plate for v in vehicles] == ["AB-123"]
    # The original keeps its later field.
    assert "cf_later" in _custom_columns(original.schema_name, "contacts_contact")
