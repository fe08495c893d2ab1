"""Everything of one tenant as a zip, for the customer who leaves or asks for it.

    manifest.json           tenant, time, applied migrations, per table its rows,
                            columns and the SHA-256 of its two files, per file its size and SHA-256
    tables/<table>.csv      COPY's CSV with a header row
    tables/<table>.json     a JSON array of row objects (row_to_json: timestamps
                            as ISO 8601, decimals as numbers, bytea as "\\x..." hex)
    files/<path>            the tenant's files, from MEDIA_ROOT/<schema name>/

Every table is read in one REPEATABLE READ snapshot, so the tables agree with
each other while the tenant keeps working. Tables are streamed into the zip,
never held in memory. The zip is written beside `out` and renamed at the end,
so a failure leaves no half export. It holds everything, password hashes
included: hand it over as the customer's most sensitive data.
"""

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import quote_schema_name

FORMAT_VERSION = 1
_CHUNK = 1024 * 1024


def export_tenant(*, tenant, out):
    """Write the zip of `tenant` to the path `out`; returns its manifest."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            manifest = {
                "format": FORMAT_VERSION,
                "tenant": {
                    "subdomain": tenant.subdomain,
                    "company": tenant.company,
                    "owner_email": tenant.owner_email,
                    "schema_name": tenant.schema_name,
                    "created_at": tenant.created_at.isoformat(),
                },
                "exported_at": timezone.now().isoformat(),
            }
            manifest.update(_write_tables(archive, tenant.schema_name))
            manifest["files"] = _write_files(archive, Path(settings.MEDIA_ROOT) / tenant.schema_name)
            archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return manifest


def _write_tables(archive, schema_name):
    schema = quote_schema_name(schema_name)
    # Inside a caller's transaction (a test's) its isolation has been set already.
    own_transaction = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if own_transaction:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname",
            [schema_name],
        )
        names = [name for (name,) in cursor.fetchall()]
        tables = []
        for name in names:
            table = f"{schema}.{connection.ops.quote_name(name)}"
            cursor.execute(f"SELECT * FROM {table} LIMIT 0")
            columns = [column.name for column in cursor.description]
            with archive.open(f"tables/{name}.csv", "w", force_zip64=True) as target:
                csv_sha = _Digest(target)
                with cursor.copy(f"COPY {table} TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                    for block in copy:
                        csv_sha.write(block)
            with archive.open(f"tables/{name}.json", "w", force_zip64=True) as target:
                json_sha, rows = _Digest(target), 0
                json_sha.write(b"[")
                for (row,) in cursor.stream(f"SELECT row_to_json(t)::text FROM {table} t"):
                    json_sha.write((",\n" if rows else "\n").encode() + row.encode())
                    rows += 1
                json_sha.write(b"\n]\n")
            tables.append(
                {
                    "name": name,
                    "rows": rows,
                    "columns": columns,
                    "csv": f"tables/{name}.csv",
                    "json": f"tables/{name}.json",
                    "sha256": {"csv": csv_sha.hexdigest(), "json": json_sha.hexdigest()},
                }
            )
        migrations = []
        if "django_migrations" in names:
            cursor.execute(f"SELECT app || '.' || name FROM {schema}.django_migrations ORDER BY id")
            migrations = [name for (name,) in cursor.fetchall()]
    return {"migrations": migrations, "tables": tables}


def _write_files(archive, root):
    files = []
    if not root.is_dir():
        return files
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        digest = hashlib.sha256()
        with path.open("rb") as source, archive.open(f"files/{relative}", "w", force_zip64=True) as target:
            while block := source.read(_CHUNK):
                digest.update(block)
                target.write(block)
        files.append({"path": f"files/{relative}", "size": path.stat().st_size, "sha256": digest.hexdigest()})
    return files


class _Digest:
    """Writes through to `target`, hashing what passes."""

    def __init__(self, target):
        self.target, self.sha = target, hashlib.sha256()

    def write(self, data):
        data = bytes(data)
        self.sha.update(data)
        self.target.write(data)

    def hexdigest(self):
        return self.sha.hexdigest()
