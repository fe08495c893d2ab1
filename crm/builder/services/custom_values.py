"""The values of custom fields of one record: written with one UPDATE, with
field-level history; a value PostgreSQL refuses is a ValidationError naming
its field (keys are the fields' api_key)."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext as _
from psycopg import sql

from crm.audit import services as audit
from crm.builder import ddl, dynamic, objects, selectors
from crm.builder import values as field_values
from crm.builder.selectors import FieldDef
from crm.users.models import User

Pairs = Sequence[tuple[FieldDef, Any]]


_VIOLATIONS = {
    psycopg.errors.UniqueViolation: _("Another record already has this value."),
    psycopg.errors.NotNullViolation: _("This field is required."),
    psycopg.errors.CheckViolation: _("This value is not allowed here."),
    psycopg.errors.ForeignKeyViolation: _("No such record."),
}


def _field_of(exc: IntegrityError, fields: Sequence[FieldDef], table: str) -> FieldDef | None:
    diag = getattr(exc.__cause__, "diag", None)
    if diag is None:
        return None
    found = ddl.field_for_constraint(diag.constraint_name, fields, table)
    if found is None and diag.column_name:
        found = next((f for f in fields if f.column == diag.column_name), None)
    return found


def violation(exc: IntegrityError, fields: Sequence[FieldDef], table: str) -> ValidationError | None:
    """The ValidationError naming the field a custom column's constraint refused, or None."""
    field = _field_of(exc, fields, table)
    for error_class, message in _VIOLATIONS.items():
        if field is not None and isinstance(exc.__cause__, error_class):
            return ValidationError({field.api_key: [str(message)]})
    return None


def assignments(fields: Sequence[FieldDef], values: Mapping[str, Any]) -> list[tuple[FieldDef, Any]]:
    by_key = {f.api_key: f for f in fields}
    unknown = set(values) - set(by_key)
    if unknown:
        raise ValueError(f"not custom fields of this object: {sorted(unknown)}")
    return [(by_key[key], value) for key, value in values.items()]


def _record_ref(object_name: str, record_id: int) -> models.Model:
    """An unsaved instance standing for one record, as the audit row's target."""
    model = (
        objects.BUILTIN_OBJECTS[object_name] if objects.is_builtin(object_name) else dynamic.record_model(object_name)
    )
    return model(pk=record_id)


def _updated_action(object_name: str) -> str:
    # The action the record's own update service writes: "account.updated", "vehicle.updated".
    if objects.is_builtin(object_name):
        return f"{objects.BUILTIN_OBJECTS[object_name]._meta.model_name}.updated"
    return f"{object_name}.updated"


def value_change(field: FieldDef, old: Any, new: Any) -> dict[str, Any]:
    """The audit payload entry of one custom field's change (old and new as the API writes them)."""
    return {"label": field.label, "old": _plain_value(field, old), "new": _plain_value(field, new)}


def _plain_value(field: FieldDef, value: Any) -> Any:
    if isinstance(value, datetime):
        # In UTC, so that one instant written in two time zones is no change.
        value = value.astimezone(UTC)
    return field_values.to_json(field, value)


def stored_values(table: str, fields: Sequence[FieldDef], record_id: int, *, lock: bool = False) -> dict[str, Any]:
    """{api_key: value} of `fields` as stored for one record ({} if it is missing)."""
    if not fields:
        return {}
    statement = sql.SQL("SELECT {} FROM {} WHERE id = %s{}").format(
        sql.SQL(", ").join(sql.Identifier(f.column) for f in fields),
        sql.Identifier(table),
        sql.SQL(" FOR UPDATE") if lock else sql.SQL(""),
    )
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(connection.connection), [record_id])
        row = cursor.fetchone()
    return {} if row is None else {f.api_key: value for f, value in zip(fields, row, strict=True)}


def set_custom_values(
    *,
    object_name: str,
    record_id: int,
    values: Mapping[str, Any],
    fields: Sequence[FieldDef] | None = None,
    by: User | None = None,
) -> dict[str, Any]:
    """Write custom values (already checked by crm.builder.values.clean_value,
    keyed by api_key) of one record with one UPDATE, in the caller's
    transaction, and field-level history: one audit row `<record>.updated` on
    the record (actor `by`; None for the system) with {api_key: {"label", "old",
    "new"}} for each value that changed. A value PostgreSQL refuses (two writers
    racing for a unique value) is a ValidationError naming the field. Returns
    that {api_key: {"label", "old", "new"}} ({} when nothing changed)."""
    if not values:
        return {}
    if fields is None:
        fields = selectors.fields_for(object_name, include_hidden=True)
    table = objects.table_for(object_name)
    pairs = assignments(fields, values)
    with transaction.atomic():
        # Locked, so the old values recorded are those this write replaces.
        before = stored_values(table, [f for f, _v in pairs], record_id, lock=True)
        write_values(table, fields, pairs, record_id)
        diff: dict[str, Any] = {}
        for field, value in pairs:
            change = value_change(field, before.get(field.api_key), value)
            if change["old"] != change["new"]:
                diff[field.api_key] = change
        if diff:
            audit.record(
                actor=by, action=_updated_action(object_name), target=_record_ref(object_name, record_id), payload=diff
            )
    return diff


def write_values(table: str, fields: Sequence[FieldDef], pairs: Pairs, record_id: int) -> None:
    """One UPDATE of the columns of `pairs` ([(FieldDef, value)]) of one record, no history."""
    if not pairs:
        return
    statement = sql.SQL("UPDATE {} SET {} WHERE id = %s").format(
        sql.Identifier(table),
        sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(field.column)) for field, _value in pairs),
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement.as_string(connection.connection), [v for _f, v in pairs] + [record_id])
    except IntegrityError as exc:
        error = violation(exc, fields, table)
        if error is None:
            raise
        raise error from exc


def clean_custom_values(
    object_name: str,
    data: Mapping[str, Any],
    *,
    by: User | None,
    partial: bool,
    fields: Sequence[FieldDef] | None = None,
) -> dict[str, Any]:
    """{api_key: value} of the custom fields in `data` (all of the object's on a
    create), checked; ValidationError {api_key: [message]} for every bad one."""
    if fields is None:
        fields = selectors.fields_for(object_name, include_hidden=True)
    return field_values.clean_values(fields, data, partial=partial, user=by)
