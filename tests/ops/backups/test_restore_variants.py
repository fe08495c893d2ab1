"""Restores beyond the plain case: a backup taken at an older schema version
(restored at that version, then migrated forward), and `--into` a new tenant
from the command line, which leaves the original alone."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from crm.accounts.models import Account
from crm.attachments.models import Attachment
from crm.contacts.models import Contact
from ops.backups import services
from ops.models import Backup
from tenants.models import Domain, Tenant
from tests.ops.backups.conftest import add_records, files_of, table_rows
from tests.tenancy import PASSWORD, api_client, in_tenant, unique_subdomain, user_of


def _newest_contacts_migration():
    """(leaf, its parent) of crm.contacts: the backup will lack the leaf."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    leaf = next(node for node in loader.graph.leaf_nodes() if node[0] == "contacts")
    parent = next(p.key for p in loader.graph.node_map[leaf].parents if p.key[0] == "contacts")
    return leaf, parent


def _migrate(schema, targets):
    connection.set_schema(schema)
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
    finally:
        connection.set_schema_to_public()


def _applied(schema):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return set(cursor.fetchall())


def test_a_backup_from_an_older_schema_version_restores_and_is_migrated_forward(local_backups, committed_tenant, media):
    leaf, parent = _newest_contacts_migration()
    tenant = committed_tenant()
    add_records(tenant, contacts=3, files=1)
    # The tenant as older code left it: without contacts' newest migration.
    _migrate(tenant.schema_name, [parent])
    contacts = table_rows(tenant.schema_name)["contacts_contact"]
    backup = services.take_backup(tenant=tenant)
    assert leaf[1] not in backup.manifest["migrations"]["contacts"]
    assert parent[1] in backup.manifest["migrations"]["contacts"]

    # The code moved on: the live tenant is upgraded and keeps changing.
    _migrate(tenant.schema_name, [leaf])
    add_records(tenant, contacts=2, files=0, prefix="later")

    item = services.run_restore(restore_id=services.request_restore(backup=backup, queue=False).pk)

    assert leaf in _applied(tenant.schema_name)
    assert table_rows(tenant.schema_name)["contacts_contact"] == contacts
    # And the tenant works with the code's models.
    with in_tenant(tenant):
        assert sorted(Contact.objects.values_list("first_name", flat=True)) == ["c0", "c1", "c2"]
    # The undo is the upgraded schema as it was, later rows and all.
    assert "later0" in str(table_rows(item.undo_schema)["contacts_contact"])


def test_a_backup_made_by_newer_code_is_refused(local_backups, committed_tenant, media):
    tenant = committed_tenant()
    backup = services.take_backup(tenant=tenant)
    manifest = dict(backup.manifest)
    manifest["migrations"] = {
        **manifest["migrations"],
        "contacts": [*manifest["migrations"]["contacts"], "9999_from_the_future"],
    }
    Backup.objects.filter(pk=backup.pk).update(manifest=manifest)
    backup.refresh_from_db()
    item = services.request_restore(backup=backup, queue=False)
    with pytest.raises(Exception, match=r"newer code.*contacts\.9999_from_the_future"):
        services.run_restore(restore_id=item.pk)
    assert not Tenant.objects.get(pk=tenant.pk).restoring


def test_restore_into_a_new_tenant_from_the_command_line(local_backups, committed_tenant, committed_db, media):
    original = committed_tenant()
    add_records(original, contacts=3, files=2)
    backup = services.take_backup(tenant=original)
    contacts_then = table_rows(original.schema_name)["contacts_contact"]
    files_then = files_of(media / original.schema_name)
    add_records(original, contacts=1, files=1, prefix="later")
    original_now, original_files = table_rows(original.schema_name), files_of(media / original.schema_name)
    copy_subdomain = unique_subdomain("copy")

    out = StringIO()
    call_command("restore_tenant", original.subdomain, "--backup", str(backup.pk), "--into", copy_subdomain, stdout=out)
    copy = Tenant.objects.get(subdomain=copy_subdomain)
    committed_db.append(copy)

    assert "restoring backup" in out.getvalue() and "load:" in out.getvalue() and "done" in out.getvalue()
    assert copy.schema_name != original.schema_name
    assert Domain.objects.filter(tenant=copy, is_primary=True).exists()
    assert table_rows(copy.schema_name)["contacts_contact"] == contacts_then
    assert sorted(files_of(media / copy.schema_name).values()) == sorted(files_then.values())
    # The original is untouched, and not read-only.
    assert table_rows(original.schema_name) == original_now
    assert files_of(media / original.schema_name) == original_files
    assert not Tenant.objects.get(pk=original.pk).restoring

    # The copy answers on its own host with the original's users, and its files
    # are its own (their paths name its schema, which the download insists on).
    client = api_client(copy, user_of(copy, "owner"))
    assert client.get("/api/v1/contacts/").json()["count"] == 3
    with in_tenant(copy):
        attachment = Attachment.objects.order_by("pk").first()
        assert attachment.file.name.startswith(f"{copy.schema_name}/")
        account = Account.objects.get(pk=attachment.object_id)
    response = client.get(f"/api/v1/attachments/{attachment.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (
        f"file c{account.name.split()[-1]} of {original.subdomain}".encode() * 50
    )
    token = client.post("/api/v1/auth/token/", {"email": copy.owner_email, "password": PASSWORD}, format="json")
    assert token.status_code == 200


def test_into_a_taken_subdomain_is_refused_and_makes_nothing(local_backups, committed_tenant, media):
    original, other = committed_tenant(), committed_tenant()
    backup = services.take_backup(tenant=original)
    with pytest.raises(CommandError, match="already taken"):
        call_command(
            "restore_tenant",
            original.subdomain,
            "--backup",
            str(backup.pk),
            "--into",
            other.subdomain,
            stdout=StringIO(),
        )
    assert Tenant.objects.filter(subdomain=other.subdomain).count() == 1


def test_backup_and_list_commands_print_what_they_do(local_backups, committed_tenant, media):
    tenant = committed_tenant()
    out = StringIO()
    call_command("backup_tenant", tenant.subdomain, stdout=out)
    backup = Backup.objects.get(tenant=tenant)
    assert "[1/" in out.getvalue() and f"backup {backup.pk} done" in out.getvalue()
    listing = StringIO()
    call_command("list_backups", tenant.subdomain, stdout=listing)
    assert str(backup.pk) in listing.getvalue() and backup.checksum in listing.getvalue()
    assert "done" in listing.getvalue()


@pytest.mark.django_db
def test_commands_name_an_unknown_tenant_or_backup():
    with pytest.raises(CommandError, match="no tenant"):
        call_command("backup_tenant", "no-such-tenant", stdout=StringIO())
    with pytest.raises(CommandError, match="no backup 999999"):
        call_command("restore_tenant", "no-such-tenant", "--backup", "999999", stdout=StringIO())
