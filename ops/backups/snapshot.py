"""Reading one tenant into an archive, in one consistent snapshot.

One REPEATABLE READ, READ ONLY transaction on a connection of our own: every
table is COPYed TO STDOUT inside it, so the rows are those of a single instant
while the tenant keeps writing (MVCC; readers and writers do not block each
other). ACCESS SHARE locks on the tenant's tables keep a migration from
changing their structure under us (it waits, or times out and is retried by
the upgrade) but block no reads or writes.

Files are archived right after the snapshot begins. An attachment uploaded
after that instant may be in the archive without its row (harmless); one whose
row was deleted in the seconds between snapshot and archive may be missing
(the row in the snapshot then points at no file) — docs/decisions/006-backups.md.
"""

import logging
import tarfile
from pathlib import Path

import psycopg
from psycopg import sql

from ops.backups import catalog, custom
from ops.backups.format import RECORD_SIZE

log = logging.getLogger(__name__)

FORMAT = 1


def write_snapshot(*, conn, schema, media_dir, archive, report=None):
    """Write the tenant in `schema` (rows, sequences, files under `media_dir`) into
    `archive` (ops.backups.format.ArchiveWriter) using `conn`, a psycopg connection
    not in a transaction. Returns the manifest (without the object's own facts).

    `report(done, total, what)` is called as each part is written."""
    report = report or (lambda done, total, what: None)
    conn.autocommit = False
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    manifest = {"format": FORMAT, "tables": {}, "sequences": {}, "parts": []}
    with conn.transaction(), conn.cursor() as cursor:
        catalog.apply_copy_settings(cursor, local=True)
        tables = catalog.tables(cursor, schema)
        if not tables:
            raise LookupError(f"schema {schema} has no tables (no such schema?)")
        cursor.execute(
            sql.SQL("LOCK TABLE {} IN ACCESS SHARE MODE").format(
                sql.SQL(", ").join(sql.Identifier(schema, t.name) for t in tables)
            )
        )
        manifest["migrations"] = catalog.applied_migrations(cursor, schema)
        # The module builder's metadata first: restore replays its DDL from it
        # before it loads the tables holding custom columns (ops/backups/custom.py).
        data_tables = custom.metadata_first([t for t in tables if t.name != catalog.MIGRATIONS_TABLE])
        manifest["custom"] = custom.summary(data_tables)
        total = len(data_tables) + 1
        report(0, total, "files")

        manifest["files"] = _write_files(archive, Path(media_dir))
        manifest["parts"].append(
            {"kind": "files", "name": "files", "size": manifest["files"]["size"], "sha256": manifest["files"]["sha256"]}
        )
        report(1, total, "files")

        for done, table in enumerate(data_tables, start=2):
            facts = _write_table(cursor, archive, schema, table)
            manifest["tables"][table.name] = facts
            manifest["parts"].append(
                {"kind": "table", "name": table.name, "size": facts["size"], "sha256": facts["sha256"]}
            )
            report(done, total, table.name)

        # Read last: sequence values are not transactional, so this is at least
        # every value the rows above used.
        owners = catalog.sequences(cursor, schema)
        values = catalog.sequence_values(cursor, schema, list(owners))
        manifest["sequences"] = {
            name: {"owner": owners[name], "last_value": values[name][0], "is_called": values[name][1]}
            for name in owners
        }
    return manifest


def _write_table(cursor, archive, schema, table):
    part = archive.part("table", table.name, columns=table.columns)
    with cursor.copy(catalog.copy_out_query(schema, table)) as copy:
        for block in catalog.copy_blocks(copy, RECORD_SIZE):
            part.write(block)
    rows = part.rows
    facts = part.close()
    return {"columns": table.columns, "primary_key": table.primary_key, "rows": rows, **facts}


def _write_files(archive, root):
    """The tenant's media folder as a tar stream (paths relative to it)."""
    part = archive.part("files", "files")
    count = total = 0
    with tarfile.open(fileobj=part, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if not path.is_file() or path.is_symlink():
                    continue
                try:
                    with open(path, "rb") as handle:
                        info = tar.gettarinfo(arcname=str(path.relative_to(root)), fileobj=handle)
                        tar.addfile(info, handle)
                except FileNotFoundError:
                    log.info("file %s went away during the backup", path)
                    continue
                count += 1
                total += info.size
    facts = part.close()
    return {"count": count, "bytes": total, **facts}
