"""Records of custom objects: create, change and delete one, with their custom values
(keyed by field name, checked here), history and the rules of crm.access."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from psycopg import sql

from crm.access import permissions
from crm.access.ownership import check_may_delete, new_owner, resolve_owner
from crm.access.permissions import custom_object_module
from crm.activities.models import Activity
from crm.attachments import selectors as attachment_selectors
from crm.attachments import services as attachment_services
from crm.audit import services as audit
from crm.audit import versions
from crm.builder import dynamic, objects, query, selectors
from crm.builder.selectors import FieldDef
from crm.builder.services.custom_values import (
    assignments,
    clean_custom_values,
    stored_values,
    value_change,
    violation,
    write_values,
)
from crm.builder.services.options import Errors, text_option
from crm.users.models import User


def _record_name(name: object, errors: Errors) -> str:
    return text_option(name, "name", errors, limit=255, required=True)


def create_record(
    object_name: str,
    *,
    by: User,
    name: object,
    owner: User | None = None,
    values: Mapping[str, Any] | None = None,
) -> Any:
    """Create a record of a live custom object owned by `owner` (default: `by`),
    with its custom values (keyed by field name; checked here) in one INSERT;
    an audit row. A field masked for `by`'s role may not be given. Returns the
    record with its custom fields annotated."""
    selectors.custom_object_get(object_name)
    permissions.check_writable(by, custom_object_module(object_name), values or {})
    errors: Errors = {}
    name = _record_name(name, errors)
    fields = selectors.fields_for(object_name, include_hidden=True)
    try:
        cleaned = clean_custom_values(object_name, values or {}, by=by, partial=False, fields=fields)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        cleaned = {}
    if errors:
        raise ValidationError(errors)
    owner = resolve_owner(by=by, owner=owner)
    table = objects.table_for(object_name)
    pairs = assignments(fields, cleaned)
    columns = [sql.Identifier(c) for c in ("name", "owner_id")] + [sql.Identifier(f.column) for f, _v in pairs]
    statement = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING id").format(
        sql.Identifier(table), sql.SQL(", ").join(columns), sql.SQL(", ").join(sql.Placeholder() * len(columns))
    )
    with transaction.atomic():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    statement.as_string(connection.connection), [name, owner.pk] + [value for _f, value in pairs]
                )
                record_id = cursor.fetchone()[0]
        except IntegrityError as exc:
            error = violation(exc, fields, table)
            if error is None:
                raise
            raise error from exc
        record = _fresh(object_name, record_id, fields)
        audit.record(actor=by, action=f"{object_name}.created", target=record, payload={"name": name})
    return record


def _fresh(object_name: str, pk: int, fields: Sequence[FieldDef]) -> Any:
    model = dynamic.record_model(object_name)
    return query.with_custom_fields(model.objects.filter(pk=pk), object_name, fields).get()


def update_record(
    object_name: str,
    record: Any,
    *,
    by: User,
    values: Mapping[str, Any] | None = None,
    expected_version: versions.Expected = None,
    **changes: Any,
) -> Any:
    """Change a record (one `by` can see): `name`, `owner` and custom values
    (keyed by field name; checked here), in one transaction; old → new in the
    audit row. Only what changes is written, on the row as it is now, locked;
    nothing changed, nothing written. As for built-in records: StaleRecord when
    it is no longer at `expected_version` (crm.audit.versions), a field masked
    for `by` refused, a new owner only from its owner and above."""
    errors: Errors = {}
    for key in changes:
        if key not in ("name", "owner"):
            errors[key] = [_("Unknown field.")]
    if "name" in changes:
        changes["name"] = _record_name(changes["name"], errors)
    fields = selectors.fields_for(object_name, include_hidden=True)
    try:
        cleaned = clean_custom_values(object_name, values or {}, by=by, partial=True, fields=fields)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        cleaned = {}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        versions.lock(record)
        versions.check(record, expected_version)
        permissions.check_writable(by, custom_object_module(object_name), [*changes, *(values or {})])
        if "owner" in changes:
            changes["owner"] = new_owner(by=by, record=record, owner=changes["owner"])
        diff: dict[str, Any] = dict(audit.changes(record, ["name", "owner"], changes))
        pairs = assignments(fields, cleaned)
        table = objects.table_for(object_name)
        # Locked, so the old values recorded are those this write replaces.
        before = stored_values(table, [f for f, _v in pairs], record.pk, lock=True)
        pairs = [(f, v) for f, v in pairs if f.api_key not in before or _changed(f, before[f.api_key], v)]
        for field, value in pairs:
            diff[field.api_key] = value_change(field, before.get(field.api_key), value)
        for key in set(diff) & set(changes):
            setattr(record, key, changes[key])
        write_values(table, fields, pairs, record.pk)
        if diff:
            audit.record(actor=by, action=f"{object_name}.updated", target=record, payload=diff)
            # Last, after the audit row: the new version is stamped after it.
            record.save(update_fields=[*(set(diff) & set(changes)), "updated_at"])
    return _fresh(object_name, record.pk, fields)


def _changed(field: FieldDef, old: Any, new: Any) -> bool:
    change = value_change(field, old, new)
    return change["old"] != change["new"]


def delete_record(object_name: str, record: Any, *, by: User, expected_version: versions.Expected = None) -> None:
    """Delete a record (its owner, their managers, directors and admins only:
    PermissionDenied otherwise): lookups pointing at it become empty, its
    activities stay with their owners without it, its files are deleted (after
    commit); an audit row. StaleRecord when it is no longer at `expected_version`."""
    with transaction.atomic():
        versions.lock(record)
        versions.check(record, expected_version)
        check_may_delete(by=by, record=record)
        audit.record(actor=by, action=f"{object_name}.deleted", target=record, payload={"name": record.name})
        forget_records(object_name, record.pk)
        record.delete()


def forget_records(object_name: str, record_id: int | None = None) -> None:
    """What hangs on one record of a custom object (all its records: `record_id`
    None, when its table is purged), for the record's deletion in the caller's
    transaction: activities are detached and kept for their owners, as those of
    a deleted account are; attachments and their files go."""
    activities = Activity.objects.filter(record_object=object_name)
    if record_id is not None:
        activities = activities.filter(record_id=record_id)
    activities.update(record_object="", record_id=None)
    attachment_services.remove_attachments(attachment_selectors.custom_attachments(object_name, record_id))
