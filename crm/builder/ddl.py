"""The only module that changes the shape of a tenant's tables (docs/decisions/008).

Every function runs inside the caller's transaction (the service that also
writes the metadata row), in the current tenant's schema, with a short
`lock_timeout`: a change that would queue behind a long transaction (and make
every writer queue behind it) gives up with Busy instead, and the caller's
rollback leaves metadata and tables as they were.

Names in the database: a field's column is `cf_<name>`, a custom object's table
`cx_<name>`; constraints and indexes are named after the column and a digest of
table and column (`<column>_<digest>_<kind>`), so they can be found again
(crm.builder.services maps a violated constraint back to its field, `replay`
checks what exists).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import psycopg
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, OperationalError, connection
from django.utils.translation import gettext as _
from psycopg import sql

from crm.builder import objects, shapes
from crm.builder.models import FieldType

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

    from crm.builder.selectors import FieldDef

Statement = sql.Composable | str

LOCK_TIMEOUT = "3s"


class Busy(Exception):
    """A table the change needs is in use (the lock timed out): try again shortly. Nothing changed."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("The CRM is busy with this object right now; nothing was changed, try again."))


# Column types (docs/decisions/008, "Decision"); text and decimals take the field's size.
_COLUMN_TYPES: dict[str, str] = {
    FieldType.LONG_TEXT: "text",
    FieldType.INTEGER: "bigint",
    FieldType.LOOKUP: "bigint",
    FieldType.DATE: "date",
    FieldType.DATETIME: "timestamptz",
    FieldType.BOOLEAN: "boolean",
    FieldType.CHOICE: "varchar(100)",
    FieldType.MULTI_CHOICE: "varchar(100)[]",
    FieldType.EMAIL: "varchar(254)",
    FieldType.URL: "varchar(2000)",
    FieldType.PHONE: "varchar(40)",
}


def column_type(field: FieldDef) -> str:
    """The PostgreSQL type of a field's column."""
    kind = field.type
    if kind == FieldType.TEXT:
        return f"varchar({int(field.max_length or 255)})"
    if kind in (FieldType.DECIMAL, FieldType.CURRENCY):
        return f"numeric(18, {int(field.decimal_places)})"
    if kind not in _COLUMN_TYPES:
        raise ValueError(f"unknown field type {kind!r}")
    return _COLUMN_TYPES[kind]


def constraint_name(table: str, column: str, kind: str) -> str:
    """`kind`: "ck" (check), "fk" (lookup), "uq" (unique index), "ix" (index), "gin" (multi-choice index)."""
    digest = hashlib.sha1(f"{table}.{column}".encode()).hexdigest()[:8]
    return f"{column[:43]}_{digest}_{kind}"


def field_for_constraint(name: str | None, fields: Iterable[FieldDef], table: str) -> FieldDef | None:
    """The FieldDef whose constraint or index is called `name`, or None."""
    for field in fields:
        if name in {constraint_name(table, field.column, kind) for kind in ("ck", "fk", "uq", "ix", "gin")}:
            return field
    return None


def _q(name: str) -> sql.Identifier:
    return sql.Identifier(name)


def _render(statement: Statement) -> str:
    return statement.as_string(connection.connection) if isinstance(statement, sql.Composable) else statement


@contextmanager
def _ddl() -> Iterator[CursorWrapper]:
    """A cursor in the current tenant's schema, inside the caller's transaction, with the lock timeout."""
    if connection.get_autocommit():
        raise RuntimeError("builder DDL must run inside transaction.atomic()")
    if connection.schema_name == "public":  # type: ignore[attr-defined]
        raise RuntimeError("builder DDL must run in a tenant's schema")
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        previous = cursor.fetchone()[0]
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        # PostgreSQL refuses to alter a table with deferred foreign-key checks
        # pending from earlier writes of the same transaction; run them now (they
        # would run at commit anyway). They stay immediate for the rest of it.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        try:
            yield cursor
        except OperationalError as exc:
            if isinstance(exc.__cause__, psycopg.errors.LockNotAvailable):
                raise Busy() from exc
            raise
        # Back to what it was for the rest of the caller's transaction.
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])


def _execute(cursor: CursorWrapper, statements: Iterable[Statement]) -> None:
    for statement in statements:
        cursor.execute(_render(statement))


def _literal(field: FieldDef, value: Any) -> sql.Composed:
    """`value` (a Python value clean_value accepted) as an SQL constant of the column's type."""
    return sql.SQL("{}::{}").format(sql.Literal(value), sql.SQL(column_type(field)))


def _number(value: Any) -> sql.Composable:
    """A bound as a plain number literal: the stored Decimal (`0E-10`) would make the
    constraint read `cf_x >= 0E-10::numeric`, and a restore's replay differ in text."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return sql.Literal(int(value))
    # Only digits, a sign and a point: safe as SQL text.
    return sql.SQL(format(value.normalize(), "f"))


def _check_condition(field: FieldDef) -> sql.Composed | None:
    """The CHECK condition for what the admin asked of the field's values, or None."""
    column = _q(field.column)
    parts: list[sql.Composable] = []
    if field.type in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.CURRENCY):
        if field.min_value is not None:
            parts.append(sql.SQL("{} >= {}").format(column, _number(field.min_value)))
        if field.max_value is not None:
            parts.append(sql.SQL("{} <= {}").format(column, _number(field.max_value)))
    if field.type == FieldType.LONG_TEXT and field.max_length:
        parts.append(sql.SQL("char_length({}) <= {}").format(column, sql.Literal(int(field.max_length))))
    patterns: dict[str, str] = {FieldType.EMAIL: shapes.EMAIL, FieldType.URL: shapes.URL, FieldType.PHONE: shapes.PHONE}
    pattern = patterns.get(field.type)
    if pattern:
        parts.append(sql.SQL("{} ~ {}").format(column, sql.Literal(pattern)))
    if field.type == FieldType.CHOICE:
        values = field.choice_values
        parts.append(
            sql.SQL("{} = ANY({}::varchar(100)[])").format(column, sql.Literal(values))
            if values
            else sql.SQL("{} IS NULL").format(column)
        )
    if field.type == FieldType.MULTI_CHOICE:
        parts.append(sql.SQL("{} <@ {}::varchar(100)[]").format(column, sql.Literal(field.choice_values)))
    if not parts:
        return None
    return sql.SQL(" AND ").join(sql.SQL("({})").format(part) for part in parts)


def _index_statements(table: str, field: FieldDef) -> list[sql.Composed]:
    """The index a field's filters and sorts use: unique, GIN (multi-choice), b-tree, or none (long text)."""
    column = field.column
    if field.unique:
        return [
            sql.SQL("CREATE UNIQUE INDEX {} ON {} ({})").format(
                _q(constraint_name(table, column, "uq")), _q(table), _q(column)
            )
        ]
    if field.type == FieldType.MULTI_CHOICE:
        return [
            sql.SQL("CREATE INDEX {} ON {} USING gin ({})").format(
                _q(constraint_name(table, column, "gin")), _q(table), _q(column)
            )
        ]
    if field.filterable:
        return [
            sql.SQL("CREATE INDEX {} ON {} ({})").format(
                _q(constraint_name(table, column, "ix")), _q(table), _q(column)
            )
        ]
    return []


def _drop_index_statements(table: str, field: FieldDef) -> list[sql.Composed]:
    return [
        sql.SQL("DROP INDEX IF EXISTS {}").format(_q(constraint_name(table, field.column, kind)))
        for kind in ("uq", "gin", "ix")
    ]


def _foreign_key(table: str, field: FieldDef) -> sql.Composed:
    return sql.SQL(
        "ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} (id) ON DELETE SET NULL DEFERRABLE INITIALLY IMMEDIATE"
    ).format(_q(constraint_name(table, field.column, "fk")), _q(field.column), _q(objects.table_for(field.target)))


def _column_statements(
    table: str, field: FieldDef, *, default: Any = None, not_null: bool = False
) -> list[sql.Composed]:
    clauses = [sql.SQL("ADD COLUMN {} {}").format(_q(field.column), sql.SQL(column_type(field)))]
    if default is not None:
        clauses[0] = sql.SQL("{} DEFAULT {}").format(clauses[0], _literal(field, default))
    if not_null:
        clauses[0] = sql.SQL("{} NOT NULL").format(clauses[0])
    condition = _check_condition(field)
    if condition is not None:
        clauses.append(
            sql.SQL("ADD CONSTRAINT {} CHECK ({})").format(_q(constraint_name(table, field.column, "ck")), condition)
        )
    if field.type == FieldType.LOOKUP:
        clauses.append(_foreign_key(table, field))
    return [sql.SQL("ALTER TABLE {} {}").format(_q(table), sql.SQL(", ").join(clauses))]


def table_has_rows(object_name: str) -> bool:
    """Whether the table of `object_name` holds any record."""
    with connection.cursor() as cursor:
        cursor.execute(_render(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(_q(objects.table_for(object_name)))))
        return cursor.fetchone()[0]


@contextmanager
def _on_data_error(field: FieldDef) -> Iterator[None]:
    """What the table's rows make impossible, as a ValidationError on the option asking for it."""
    check_key = (
        "choices"
        if field.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE)
        else "max_length"
        if field.type == FieldType.LONG_TEXT
        else "min_value"
    )
    known = (
        (psycopg.errors.UniqueViolation, "unique", _("Some records share a value, so it cannot be unique.")),
        (psycopg.errors.NotNullViolation, "required", _("Some records have no value, so it cannot be required.")),
        (psycopg.errors.CheckViolation, check_key, _("Some records have values this would not allow.")),
        (psycopg.errors.StringDataRightTruncation, "max_length", _("Some records have longer values than that.")),
    )
    try:
        yield
    except (IntegrityError, DataError) as exc:
        for error_class, key, message in known:
            if isinstance(exc.__cause__, error_class):
                raise ValidationError({key: [message]}) from exc
        raise


def add_column(field: FieldDef) -> None:
    """Add the column of a new field (a FieldDef) to its object's table, with its
    DEFAULT, NOT NULL, CHECK, foreign key and index."""
    table = objects.table_for(field.object_name)
    with _ddl() as cursor, _on_data_error(field):
        _execute(cursor, _column_statements(table, field, default=field.default, not_null=field.required))
        _execute(cursor, _index_statements(table, field))


def alter_column(old: FieldDef, new: FieldDef) -> None:
    """Make the column of `old` (a FieldDef) what `new` describes. Label, help
    text, position and hidden are metadata only; type, name and target never change."""
    table = objects.table_for(new.object_name)
    column = _q(new.column)
    statements = []
    if old.type == FieldType.TEXT and (old.max_length or 255) != (new.max_length or 255):
        statements.append(
            sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {}").format(_q(table), column, sql.SQL(column_type(new)))
        )
    if old.default != new.default:
        statements.append(
            sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT").format(_q(table), column)
            if new.default is None
            else sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(
                _q(table), column, _literal(new, new.default)
            )
        )
    if old.required != new.required:
        statements.append(
            sql.SQL("ALTER TABLE {} ALTER COLUMN {} {} NOT NULL").format(
                _q(table), column, sql.SQL("SET" if new.required else "DROP")
            )
        )
    if _render_or_none(_check_condition(old)) != _render_or_none(_check_condition(new)):
        statements.append(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(
                _q(table), _q(constraint_name(table, new.column, "ck"))
            )
        )
        condition = _check_condition(new)
        if condition is not None:
            statements.append(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({})").format(
                    _q(table), _q(constraint_name(table, new.column, "ck")), condition
                )
            )
    if old.unique != new.unique:
        statements += _drop_index_statements(table, new) + _index_statements(table, new)
    if not statements:
        return
    with _ddl() as cursor, _on_data_error(new):
        _execute(cursor, statements)


def _render_or_none(statement: Statement | None) -> str | None:
    return None if statement is None else _render(statement)


def set_required(field: FieldDef, required: bool) -> None:
    """NOT NULL on or off (a deleted field stops requiring a value; a restored one asks again)."""
    table = objects.table_for(field.object_name)
    with _ddl() as cursor, _on_data_error(field):
        _execute(
            cursor,
            [
                sql.SQL("ALTER TABLE {} ALTER COLUMN {} {} NOT NULL").format(
                    _q(table), _q(field.column), sql.SQL("SET" if required else "DROP")
                )
            ],
        )


def drop_column(field: FieldDef) -> None:
    """Drop a field's column (its indexes and constraints go with it)."""
    table = objects.table_for(field.object_name)
    with _ddl() as cursor:
        _execute(cursor, [sql.SQL("ALTER TABLE {} DROP COLUMN IF EXISTS {}").format(_q(table), _q(field.column))])


def _table_statements(name: str, first_id: int = 1) -> list[sql.Composed]:
    table = objects.table_for(name)
    users = get_user_model()._meta.db_table
    return [
        sql.SQL(
            "CREATE TABLE {} ("
            "id bigint GENERATED BY DEFAULT AS IDENTITY (START WITH {}) PRIMARY KEY, "
            "name varchar(255) NOT NULL, "
            "owner_id bigint NOT NULL CONSTRAINT {} REFERENCES {} (id) DEFERRABLE INITIALLY DEFERRED, "
            "created_at timestamptz NOT NULL DEFAULT now(), "
            "updated_at timestamptz NOT NULL DEFAULT now())"
        ).format(_q(table), sql.Literal(int(first_id)), _q(f"{table}_owner_fk"), _q(users)),
        sql.SQL("CREATE INDEX {} ON {} (owner_id, name, id)").format(_q(f"{table}_owner_ix"), _q(table)),
        sql.SQL("CREATE INDEX {} ON {} (name, id)").format(_q(f"{table}_name_ix"), _q(table)),
    ]


def create_table(name: str, first_id: int = 1) -> None:
    """Create the table `cx_<name>` of a new custom object, with its base columns
    and indexes; its records' ids start at `first_id`."""
    with _ddl() as cursor:
        _execute(cursor, _table_statements(name, first_id))


def drop_table(name: str) -> None:
    """Drop a custom object's table (lookups pointing at it lose their foreign key)."""
    with _ddl() as cursor:
        _execute(cursor, [sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(_q(objects.table_for(name)))])


# Replay: the metadata made real again (restore, or repair).


def _exists(cursor: CursorWrapper, query: str, params: Sequence[Any]) -> bool:
    cursor.execute(query, params)
    return cursor.fetchone() is not None


def _table_exists(cursor: CursorWrapper, table: str) -> bool:
    return _exists(
        cursor,
        "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = %s",
        [table],
    )


def _column_exists(cursor: CursorWrapper, table: str, column: str) -> bool:
    return _exists(
        cursor,
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = %s AND column_name = %s",
        [table, column],
    )


def _index_exists(cursor: CursorWrapper, name: str) -> bool:
    return _exists(cursor, "SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = %s", [name])


def _constraint_exists(cursor: CursorWrapper, table: str, name: str) -> bool:
    return _exists(
        cursor,
        "SELECT 1 FROM information_schema.table_constraints WHERE "
        "constraint_schema = current_schema() AND table_name = %s AND constraint_name = %s",
        [table, name],
    )


def _has_rows(cursor: CursorWrapper, table: str) -> bool:
    cursor.execute(_render(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(_q(table))))
    return cursor.fetchone()[0]


def replay(object_name: str | None = None) -> list[str]:
    """Create every table, column, constraint and index the builder's metadata
    describes that the current schema lacks (of one object, or all); what exists
    is left alone, so it can run any number of times. Deleted fields and objects
    that still wait for the purge are replayed too: their data is still kept.
    Returns the statements it ran, as text."""
    from crm.builder.definitions import field_def
    from crm.builder.models import CustomField, CustomObject

    ran: list[str] = []
    custom = CustomObject.objects.all()
    fields = CustomField.objects.all()
    if object_name:
        custom = custom.filter(name=object_name)
        fields = fields.filter(object_name=object_name)
    # Lookups last: the tables they point at must exist first.
    rows = sorted(fields.order_by("position", "id"), key=lambda row: row.type == FieldType.LOOKUP)
    with _ddl() as cursor:

        def run(statements: Iterable[Statement]) -> None:
            for statement in statements:
                text = _render(statement)
                cursor.execute(text)
                ran.append(text)

        for item in custom.order_by("id"):
            if not _table_exists(cursor, item.table):
                run(_table_statements(item.name))
        for row in rows:
            field = field_def(row)
            table = objects.table_for(field.object_name)
            if not _table_exists(cursor, table):
                continue
            column_missing = not _column_exists(cursor, table, field.column)
            if column_missing:
                # Required only when live and the table can take it: a restore copies rows after the replay.
                not_null = bool(
                    field.required
                    and row.deleted_at is None
                    and (field.default is not None or not _has_rows(cursor, table))
                )
                run(
                    [
                        sql.SQL("ALTER TABLE {} ADD COLUMN {} {}{}{}").format(
                            _q(table),
                            _q(field.column),
                            sql.SQL(column_type(field)),
                            sql.SQL(" DEFAULT {}").format(_literal(field, field.default))
                            if field.default is not None
                            else sql.SQL(""),
                            sql.SQL(" NOT NULL" if not_null else ""),
                        )
                    ]
                )
            condition = _check_condition(field)
            if condition is not None and not _constraint_exists(
                cursor, table, constraint_name(table, field.column, "ck")
            ):
                run(
                    [
                        sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} CHECK ({})").format(
                            _q(table), _q(constraint_name(table, field.column, "ck")), condition
                        )
                    ]
                )
            if (
                field.type == FieldType.LOOKUP
                and _table_exists(cursor, objects.table_for(field.target))
                and not _constraint_exists(cursor, table, constraint_name(table, field.column, "fk"))
            ):
                run([sql.SQL("ALTER TABLE {} {}").format(_q(table), _foreign_key(table, field))])
            index = _index_statements(table, field)
            kind = "uq" if field.unique else "gin" if field.type == FieldType.MULTI_CHOICE else "ix"
            if index and not _index_exists(cursor, constraint_name(table, field.column, kind)):
                run(index)
    return ran


def column_has_nulls(field: FieldDef) -> bool:
    """Whether some record has no value in the field's column."""
    table = objects.table_for(field.object_name)
    with connection.cursor() as cursor:
        cursor.execute(
            _render(sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE {} IS NULL)").format(_q(table), _q(field.column)))
        )
        return cursor.fetchone()[0]
