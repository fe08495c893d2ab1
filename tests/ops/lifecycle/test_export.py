"""export_tenant: everything of a tenant in one zip."""

import csv
import io
import json
import zipfile
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection

from ops.lifecycle.export import export_tenant
from tests.tenancy import sign_up


def tables_and_counts(schema):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r'",
            [schema],
        )
        counts = {}
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def test_the_export_has_every_table_as_csv_and_json_and_every_file(committed_tenant, media, tmp_path):
    tenant = committed_tenant
    out = tmp_path / "out" / "export.zip"

    call_command("export_tenant", tenant.subdomain, "--out", str(out), stdout=mock.Mock())

    expected = tables_and_counts(tenant.schema_name)
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert {table["name"] for table in manifest["tables"]} == set(expected)
        for table in manifest["tables"]:
            rows = json.loads(archive.read(table["json"]))
            lines = list(csv.reader(io.StringIO(archive.read(table["csv"]).decode())))
            assert len(rows) == table["rows"] == expected[table["name"]]
            assert len(lines) == 1 + table["rows"] and lines[0] == table["columns"]
        accounts = json.loads(archive.read("tables/accounts_account.json"))
        assert sorted(account["name"] for account in accounts) == ["Company 0", "Company 1"]
        on_disk = sorted(p for p in (media / tenant.schema_name).rglob("*") if p.is_file())
        assert len(on_disk) == 1 and [f["path"] for f in manifest["files"]] == [
            f"files/{p.relative_to(media / tenant.schema_name).as_posix()}" for p in on_disk
        ]
        assert archive.read(manifest["files"][0]["path"]) == on_disk[0].read_bytes()
    assert manifest["tenant"]["subdomain"] == tenant.subdomain
    assert "contacts.0001_initial" in manifest["migrations"]


@pytest.mark.django_db
def test_an_export_that_fails_leaves_no_zip(spare_pool, tmp_path, monkeypatch):
    tenant = sign_up()
    out = tmp_path / "export.zip"

    def broken(archive, root):
        raise OSError("disk full")

    monkeypatch.setattr("ops.lifecycle.export._write_files", broken)
    with pytest.raises(OSError, match="disk full"):
        export_tenant(tenant=tenant, out=out)

    assert list(tmp_path.iterdir()) == []
