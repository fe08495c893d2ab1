"""Putting a backup into a schema: build, load, verify, swap.

`build()` runs in the caller's transaction on Django's connection: it makes a
staging schema at the backup's migration state (ops/backups/structure.py),
empties what migrating put in it, loads every table with COPY FROM STDIN while
the object streams in (foreign keys dropped during the load and added back
after, which checks them all in one pass each, as pg_restore does), sets the
sequences, then reads every table back and compares row counts and SHA-256
with the manifest. Only then does it migrate the schema forward to the code.
Any failure raises, and the caller's rollback leaves no staging schema.

`swap()` is two `ALTER SCHEMA … RENAME`s, committed with the caller's
transaction: users see the old data or the restored data, never a mix. The
tenant's media folder is swapped the same way right after the commit
(`swap_media()`, safe to repeat after a crash).
"""

import hashlib
import json
import logging
import tarfile
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django_tenants.utils import app_labels, quote_schema_name
from psycopg import sql

from ops.backups import catalog, custom, structure
from ops.backups.format import RECORD_SIZE, ArchiveReader, PartFile

log = logging.getLogger(__name__)


class RestoreError(Exception):
    """The backup cannot be restored as it is; nothing was changed."""


def media_dir(schema_name):
    """A tenant's files: MEDIA_ROOT/<schema name>/ (crm/attachments/models.py)."""
    return Path(settings.MEDIA_ROOT) / schema_name


def build(*, backup, schema, files_dir, chunks, report=None, migrate=True):
    """Create `schema` from `backup` and check it against the manifest.

    `chunks` is the stored object as an iterable of bytes; `files_dir` receives
    the tenant's files (it must not exist yet). Runs in the caller's
    transaction; returns {"structure": "spare"|"migrated", "migrated_forward": bool}.
    `report(stage, done, total)` follows the progress."""
    report = report or (lambda stage, done, total: None)
    manifest = backup.manifest
    tables = manifest["tables"]
    total = len(tables) + 1

    report("structure", 0, total)
    made_from = structure.create_schema_at(schema, manifest["migrations"])
    with connection.cursor() as cursor:
        catalog.apply_copy_settings(cursor, local=True)
        staged = {t.name: t for t in catalog.tables(cursor, schema)}
        # Custom columns and tables come later, from the builder's metadata.
        _check_structure(tables, staged, custom_too=False)
        _empty_staged(cursor, schema, staged)
        foreign_keys, plain_indexes = _drop_keys_and_indexes(cursor, schema)
        load = _Load(staged=staged, foreign_keys=foreign_keys, plain_indexes=plain_indexes)
        _load_parts(cursor, schema, load, backup=backup, chunks=chunks, files_dir=files_dir, report=report)
        _add_indexes_and_keys(cursor, schema, load, report)
        _set_sequences(cursor, schema, manifest["sequences"])
        _verify(cursor, schema, load, manifest, report)
    return {"structure": made_from, "migrated_forward": _migrate_forward(schema, made_from, manifest, migrate, report)}


@dataclass
class _Load:
    """What loading the backup's parts found and changed so far."""

    staged: dict  # table name -> catalog table, of the staging schema
    # Dropped for the load, to be made again after it.
    foreign_keys: list
    plain_indexes: list
    loaded: set = dataclass_field(default_factory=set)
    files: dict | None = None
    replayed: bool = False


def _empty_staged(cursor, schema, staged):
    """Migrations and post_migrate (content types, permissions, default rows)
    wrote rows of their own; the backup's replace them all."""
    emptied = [name for name in staged if name != catalog.MIGRATIONS_TABLE]
    # Their deferred foreign-key checks must run before TRUNCATE will; later
    # statements (forward migrations) get deferred checks again.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute(
        _sql(
            cursor,
            sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(sql.Identifier(schema, name) for name in emptied)),
        )
    )


def _load_parts(cursor, schema, load, *, backup, chunks, files_dir, report):
    """Read the backup object's parts as they stream in: tables into the staging
    schema (the builder's first, then the custom columns and tables they
    describe, then the rest), files into `files_dir`. RestoreError when the
    object is not the backup's or lacks a part its manifest lists."""
    manifest = backup.manifest
    tables = manifest["tables"]
    total = len(tables) + 1
    metadata = custom.metadata_tables()
    reader = ArchiveReader(chunks, secret=settings.BACKUP_ENCRYPTION_KEY)
    for part in reader.parts():
        if part.kind == "table":
            if part.name in metadata and load.replayed:
                raise RestoreError(
                    f"the backup object holds the builder's table {part.name} after the "
                    "tables its custom fields live in"
                )
            if part.name not in metadata and not load.replayed:
                # Every builder table is in: make the custom columns and tables
                # they describe, then load the rest into them.
                report("custom fields", 0, 1)
                load.staged = _replay_custom(cursor, schema, tables, metadata & set(load.staged))
                keys, indexes = _drop_keys_and_indexes(cursor, schema)
                load.foreign_keys += keys
                load.plain_indexes += indexes
                load.replayed = True
            _load_table(cursor, schema, part, tables)
            load.loaded.add(part.name)
            report("load", len(load.loaded) + (load.files is not None), total)
        elif part.kind == "files":
            load.files = _extract_files(part, Path(files_dir))
            report("load", len(load.loaded) + 1, total)
        elif part.kind == "manifest":
            _check_embedded_manifest(manifest, part.read_all())
    if reader.object_sha256 != backup.checksum:
        raise RestoreError(f"the stored object's SHA-256 {reader.object_sha256} is not the backup's {backup.checksum}")
    if load.loaded != set(tables) or load.files is None:
        raise RestoreError(
            "the backup object lacks parts its manifest lists: "
            + ", ".join(sorted(set(tables) - load.loaded) or ["files"])
        )


def _add_indexes_and_keys(cursor, schema, load, report):
    """Build the indexes, then add the foreign keys dropped for the load (each checks every row once)."""
    foreign_keys, plain_indexes = load.foreign_keys, load.plain_indexes
    steps = len(plain_indexes) + len(foreign_keys)
    report("indexes", 0, steps)
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for done, (_name, definition) in enumerate(plain_indexes, start=1):
        cursor.execute(definition)
        report("indexes", done, steps)
    for done, (table, name, definition) in enumerate(foreign_keys, start=len(plain_indexes) + 1):
        cursor.execute(
            _sql(
                cursor,
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(sql.Identifier(schema, table), sql.Identifier(name))
                + sql.SQL(definition),
            )
        )
        report("indexes", done, steps)


def _verify(cursor, schema, load, manifest, report):
    """Read every table back and compare row counts and SHA-256, and the files, with the manifest."""
    tables = manifest["tables"]
    total = len(tables) + 1
    report("verify", 0, total)
    for done, (name, facts) in enumerate(sorted(tables.items()), start=1):
        _verify_table(cursor, schema, load.staged[name], facts)
        report("verify", done, total)
    _verify_files(load.files, manifest["files"])


def _migrate_forward(schema, made_from, manifest, migrate, report):
    """Migrate a schema made at the backup's (older) migration state forward to the code; whether it was."""
    if not migrate or made_from == "spare" or structure.is_current(manifest["migrations"]):
        return False
    report("migrate", 0, 1)
    structure.migrate_forward(schema)
    return True


def swap(*, live, staging, undo):
    """In the caller's transaction: the live schema becomes the undo, staging becomes live."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA {quote_schema_name(live)} RENAME TO {quote_schema_name(undo)}")
        cursor.execute(f"ALTER SCHEMA {quote_schema_name(staging)} RENAME TO {quote_schema_name(live)}")


def rename(*, schema, to):
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA {quote_schema_name(schema)} RENAME TO {quote_schema_name(to)}")


def swap_media(*, live, staging, undo):
    """After the schema swap committed: the restored files become the tenant's,
    its previous files the undo's. Each step is a rename; repeating the whole
    after a crash at any point finishes the job."""
    staged, current = media_dir(staging), media_dir(live)
    if not staged.exists():
        return
    if current.exists():
        if not undo or media_dir(undo).exists():
            # Never delete files to make room: this needs a person.
            raise RestoreError(
                f"cannot move the restored files into place: {current} exists and "
                f"{media_dir(undo) if undo else 'no undo folder'} is taken"
            )
        current.rename(media_dir(undo))
    staged.rename(current)


def rewrite_file_paths(*, schema, old_prefix, new_prefix):
    """File fields store `<schema name>/...`; a copy under a new schema name gets
    its own folder, so its rows must name it (restore --into)."""
    labels = set(app_labels(settings.TENANT_APPS))
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.app_label not in labels or not model._meta.managed:
                continue
            for field in model._meta.concrete_fields:
                if isinstance(field, models.FileField):
                    cursor.execute(
                        _sql(
                            cursor,
                            sql.SQL(
                                "UPDATE {table} SET {col} = %s || substr({col}, %s) WHERE left({col}, %s) = %s"
                            ).format(
                                table=sql.Identifier(schema, model._meta.db_table), col=sql.Identifier(field.column)
                            ),
                        ),
                        [new_prefix + "/", len(old_prefix) + 2, len(old_prefix) + 1, old_prefix + "/"],
                    )


def drop_schema(schema):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {quote_schema_name(schema)} CASCADE")


def _drop_keys_and_indexes(cursor, schema):
    """Drop the schema's foreign keys and the indexes that back no constraint, for
    the bulk load; returns them, to be made again after it."""
    foreign_keys = catalog.foreign_keys(cursor, schema)
    for table, name, _definition in foreign_keys:
        cursor.execute(
            _sql(
                cursor,
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    sql.Identifier(schema, table), sql.Identifier(name)
                ),
            )
        )
    plain_indexes = catalog.indexes(cursor, schema)
    for name, _definition in plain_indexes:
        cursor.execute(_sql(cursor, sql.SQL("DROP INDEX {}").format(sql.Identifier(schema, name))))
    return foreign_keys, plain_indexes


def _replay_custom(cursor, schema, tables, loaded_metadata):
    """Make the custom columns and tables the loaded builder metadata describes
    (crm.builder.ddl.replay in the staging schema); returns the staged tables
    read again, checked against the manifest, custom columns included."""
    if loaded_metadata:
        structure.replay_custom_fields(schema)
    staged = {t.name: t for t in catalog.tables(cursor, schema)}
    _check_structure(tables, staged, custom_too=True)
    return staged


def _check_structure(tables, staged, *, custom_too):
    """Every table and column of the backup exists in the staging schema; with
    `custom_too` False, those the module builder makes (not the migrations) are
    not asked for yet."""
    made_by = "the backup's migrations and custom fields" if custom_too else "the backup's migrations"
    wanted = {
        name: [c for c in facts["columns"] if custom_too or not custom.is_custom_column(c)]
        for name, facts in tables.items()
        if custom_too or not custom.is_custom_table(name)
    }
    missing = sorted(set(wanted) - set(staged))
    if missing:
        raise RestoreError(f"the schema built from {made_by} has no table for " + ", ".join(missing))
    for name, columns in wanted.items():
        absent = [c for c in columns if c not in staged[name].columns]
        if absent:
            raise RestoreError(f"table {name} built from {made_by} lacks columns {', '.join(absent)}")


def _load_table(cursor, schema, part, tables):
    facts = tables.get(part.name)
    if facts is None:
        raise RestoreError(f"the backup object has a table {part.name!r} its manifest does not list")
    rows = 0
    with cursor.cursor.copy(catalog.copy_in_query(schema, part.name, facts["columns"])) as copy:
        for data in part.data():
            rows += data.count(b"\n")
            copy.write(data)
    if part.sha256 != facts["sha256"] or rows != facts["rows"]:
        raise RestoreError(
            f"table {part.name}: the object holds {rows} rows with SHA-256 {part.sha256}, "
            f"the manifest says {facts['rows']} rows with {facts['sha256']}"
        )


def _verify_table(cursor, schema, table, facts):
    """Read the loaded table back as the backup read it; same rows, same bytes."""
    table = catalog.Table(table.name, facts["columns"], facts["primary_key"])
    sha, rows = hashlib.sha256(), 0
    with cursor.cursor.copy(catalog.copy_out_query(schema, table)) as copy:
        for block in catalog.copy_blocks(copy, RECORD_SIZE):
            sha.update(block)
            rows += block.count(b"\n")
    if sha.hexdigest() != facts["sha256"] or rows != facts["rows"]:
        raise RestoreError(
            f"table {table.name} reads back {rows} rows with SHA-256 {sha.hexdigest()} after "
            f"loading; the manifest says {facts['rows']} with {facts['sha256']}"
        )


def _set_sequences(cursor, schema, sequences):
    for name, facts in sequences.items():
        owner = facts.get("owner") or {}
        target = None
        if owner:
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)",
                [f"{quote_schema_name(schema)}.{quote_schema_name(owner['table'])}", owner["column"]],
            )
            target = cursor.fetchone()[0]
        if target is None:
            target = f"{quote_schema_name(schema)}.{quote_schema_name(name)}"
        cursor.execute("SELECT setval(%s::regclass, %s, %s)", [target, facts["last_value"], facts["is_called"]])


def _extract_files(part, root):
    """Unpack the tenant's files; only regular files and folders inside `root`
    (tarfile's "data" filter refuses links, devices and paths that leave it)."""
    root.mkdir(parents=True, exist_ok=False)
    count = total = 0
    with tarfile.open(fileobj=PartFile(part), mode="r|") as tar:
        for member in tar:
            tar.extract(member, root, filter="data")
            if member.isfile():
                count += 1
                total += member.size
    part.drain()  # tar's end blocks and padding, so the checksum covers the whole part
    return {"count": count, "bytes": total, "sha256": part.sha256}


def _verify_files(found, expected):
    if (found["count"], found["bytes"], found["sha256"]) != (expected["count"], expected["bytes"], expected["sha256"]):
        raise RestoreError(
            f"the files differ from the manifest: {found['count']} files, {found['bytes']} bytes "
            f"instead of {expected['count']}, {expected['bytes']}"
        )


def _check_embedded_manifest(manifest, payload):
    embedded = json.loads(payload)
    for key in ("tenant", "migrations", "tables"):
        if embedded.get(key) != manifest.get(key):
            raise RestoreError(f"the object's own manifest differs from the recorded one ({key})")


def _sql(cursor, query):
    return query.as_string(cursor.cursor.connection)
