"""Merges of built-in records (accounts, contacts): their custom values and the lookups pointing at them."""

from typing import Any

from django.db import connection, transaction
from psycopg import sql

from crm.builder import objects, selectors
from crm.builder.models import CustomField, FieldType
from crm.builder.services.custom_values import stored_values, value_change, write_values


def _blank(value: object) -> bool:
    return value is None or value == "" or value == [] or value == ()


def repoint_lookups(*, target_object: str, from_id: int, to_id: int) -> dict[str, int]:
    """Point every lookup field at `target_object` (on any object; deleted fields
    waiting for the purge too, their data kept for a restore) that holds
    `from_id` at `to_id` instead: one UPDATE per lookup column, in the caller's
    transaction (a merge's, before it deletes `from_id`, whose foreign keys would
    otherwise empty them). Where a unique lookup already holds `to_id`, the value
    is left for the foreign key to empty. Returns {"<object>.<field>": rows moved}."""
    moved: dict[str, int] = {}
    for field in CustomField.objects.filter(type=FieldType.LOOKUP, target=target_object).order_by("id"):
        table, column = sql.Identifier(objects.table_for(field.object_name)), sql.Identifier(field.column)
        statement = sql.SQL("UPDATE {table} SET {column} = %s WHERE {column} = %s").format(table=table, column=column)
        if field.unique:
            statement = statement + sql.SQL(" AND NOT EXISTS (SELECT 1 FROM {table} WHERE {column} = %s)").format(
                table=table, column=column
            )
        with connection.cursor() as cursor:
            cursor.execute(
                statement.as_string(connection.connection), [to_id, from_id] + ([to_id] if field.unique else [])
            )
            if cursor.rowcount:
                moved[f"{field.object_name}.{field.name}"] = cursor.rowcount
    return moved


def fill_blank_values(*, object_name: str, keep_id: int, other_id: int) -> dict[str, Any]:
    """Give record `keep_id` of the built-in `object_name` the custom values it
    lacks (empty) that record `other_id` has: a merge's "fill blank fields from
    the other", in its transaction, before it deletes `other_id`. A unique
    value moves (emptied on `other_id` first, so that the two never hold it at
    once). No audit row of its own: returns {api_key: {"label", "old", "new"}}
    for the merge's."""
    fields = selectors.fields_for(object_name, include_hidden=True)
    table = objects.table_for(object_name)
    with transaction.atomic():
        mine = stored_values(table, fields, keep_id, lock=True)
        theirs = stored_values(table, fields, other_id, lock=True)
        pairs = [
            (f, theirs[f.api_key])
            for f in fields
            if mine and theirs and _blank(mine[f.api_key]) and not _blank(theirs[f.api_key])
        ]
        moving = [(f, None) for f, _value in pairs if f.unique]
        write_values(table, fields, moving, other_id)
        write_values(table, fields, pairs, keep_id)
    return {f.api_key: value_change(f, mine[f.api_key], value) for f, value in pairs}
