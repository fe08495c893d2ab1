"""What one schema holds, read from pg_catalog for that schema only.

pg_dump reads the whole catalog (every schema's tables, types, ACLs) before it
dumps one schema, so its cost grows with the number of tenants. pg_class has no
index on relnamespace either: `WHERE relnamespace = <schema>` scans every
tenant's tables, indexes and sequences (~65 ms at 2,000 tenants, growing with
each). So these queries find the schema's relations through pg_depend's index on
the referenced object (every table and sequence depends on its schema, which is
how DROP SCHEMA … CASCADE finds them) and go on by oid through indexed catalog
columns only: their cost follows the tenant's size. Every function takes a DB-API
cursor (psycopg's or Django's).
"""

from dataclasses import dataclass, field

from psycopg import sql

# Recorded as the manifest's schema version rather than copied: on restore the
# structure, with this table, comes from running the migrations.
MIGRATIONS_TABLE = "django_migrations"

# Session settings that make COPY's text output the same on every connection,
# so that a table's checksum at backup and after restore can be compared.
COPY_SETTINGS = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, MDY",
    "IntervalStyle": "postgres",
    "extra_float_digits": "1",
    "bytea_output": "hex",
    "client_encoding": "UTF8",
}


# The schema's own tables and sequences (see the module docstring), as `rel`.
_RELATIONS = """
    WITH rel AS (
        SELECT c.oid, c.relname, c.relkind
        FROM pg_namespace n
        JOIN pg_depend d ON d.refclassid = 'pg_namespace'::regclass AND d.refobjid = n.oid
             AND d.refobjsubid = 0 AND d.classid = 'pg_class'::regclass
        JOIN pg_class c ON c.oid = d.objid
        WHERE n.nspname = %s
    )
"""


@dataclass
class Table:
    name: str
    columns: list = field(default_factory=list)
    primary_key: list = field(default_factory=list)


def apply_copy_settings(cursor, *, local):
    cursor.execute(
        "SELECT " + ", ".join(["set_config(%s, %s, %s)"] * len(COPY_SETTINGS)),
        [value for name, setting in COPY_SETTINGS.items() for value in (name, setting, local)],
    )


def tables(cursor, schema):
    """The schema's ordinary tables with their copyable columns (generated ones
    are computed again on load) and primary-key columns, by name."""
    cursor.execute(
        _RELATIONS
        + """
        SELECT c.relname, a.attname, a.attnum,
               COALESCE(a.attnum = ANY (i.indkey::smallint[]), false) AS in_pk,
               array_position(i.indkey::smallint[], a.attnum) AS pk_position
        FROM rel c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
        LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
        WHERE c.relkind = 'r'
        ORDER BY c.relname, a.attnum
        """,
        [schema],
    )
    found = {}
    for table, column, _attnum, in_pk, pk_position in cursor.fetchall():
        entry = found.setdefault(table, Table(table))
        entry.columns.append(column)
        if in_pk:
            entry.primary_key.append((pk_position, column))
    for entry in found.values():
        entry.primary_key = [column for _, column in sorted(entry.primary_key)]
    return [found[name] for name in sorted(found)]


def sequences(cursor, schema):
    """{sequence name: {"table", "column"} of the column that owns it, or {}}."""
    cursor.execute(
        _RELATIONS
        + """
        SELECT s.relname, t.relname, a.attname
        FROM rel s
        LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
             AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
        LEFT JOIN pg_class t ON t.oid = d.refobjid
        LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE s.relkind = 'S'
        ORDER BY s.relname
        """,
        [schema],
    )
    return {name: ({"table": table, "column": column} if table else {}) for name, table, column in cursor.fetchall()}


def sequence_values(cursor, schema, names):
    """{sequence name: [last_value, is_called]} in one query."""
    if not names:
        return {}
    query = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {name}, last_value, is_called FROM {seq}").format(
            name=sql.Literal(name), seq=sql.Identifier(schema, name)
        )
        for name in names
    )
    cursor.execute(_text(cursor, query))
    return {name: [last_value, is_called] for name, last_value, is_called in cursor.fetchall()}


def foreign_keys(cursor, schema):
    """(table, constraint name, definition) of the schema's foreign keys."""
    cursor.execute(
        _RELATIONS
        + """
        SELECT t.relname, con.conname, pg_get_constraintdef(con.oid)
        FROM rel t
        JOIN pg_constraint con ON con.conrelid = t.oid AND con.contype = 'f'
        WHERE t.relkind = 'r'
        ORDER BY t.relname, con.conname
        """,
        [schema],
    )
    return cursor.fetchall()


def indexes(cursor, schema):
    """(name, definition) of the schema's indexes that back no constraint: they are
    dropped before a bulk load and built again after, which is faster than
    maintaining them row by row (pg_restore does the same)."""
    cursor.execute(
        _RELATIONS
        + """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM rel t
        JOIN pg_index x ON x.indrelid = t.oid
        JOIN pg_class i ON i.oid = x.indexrelid
        WHERE t.relkind = 'r'
          -- an index that backs a constraint depends on it
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = i.oid
                          AND d.refclassid = 'pg_constraint'::regclass)
        ORDER BY i.relname
        """,
        [schema],
    )
    return cursor.fetchall()


def copy_blocks(copy, size):
    """The rows of a COPY TO, joined into blocks of about `size` bytes: COPY hands
    over one row at a time, and hashing, counting and compressing cost less per
    block than per row."""
    rows, buffered = [], 0
    for data in copy:
        rows.append(bytes(data))
        buffered += len(data)
        if buffered >= size:
            yield b"".join(rows)
            rows, buffered = [], 0
    if rows:
        yield b"".join(rows)


def applied_migrations(cursor, schema):
    """{app: [migration names in the order applied]} from the schema's own recorder table."""
    cursor.execute(
        _text(cursor, sql.SQL("SELECT app, name FROM {} ORDER BY id").format(sql.Identifier(schema, MIGRATIONS_TABLE)))
    )
    applied = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def copy_out_query(schema, table):
    """COPY of a table's rows in primary-key order: the same rows give the same
    bytes wherever they are stored, so checksums compare across schemas."""
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in table.columns)
    order = sql.SQL("")
    if table.primary_key:
        order = sql.SQL(" ORDER BY ") + sql.SQL(", ").join(sql.Identifier(c) for c in table.primary_key)
    return sql.SQL("COPY (SELECT {cols} FROM ONLY {table}{order}) TO STDOUT").format(
        cols=columns, table=sql.Identifier(schema, table.name), order=order
    )


def copy_in_query(schema, table_name, columns):
    return sql.SQL("COPY {table} ({cols}) FROM STDIN").format(
        table=sql.Identifier(schema, table_name), cols=sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )


def _text(cursor, query):
    """Django's cursor wants a string; psycopg's takes the Composed as is."""
    if hasattr(cursor, "db"):  # a Django CursorWrapper
        return query.as_string(cursor.cursor.connection)
    return query
