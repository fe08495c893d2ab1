"""Custom fields: add, change, delete and restore one, and put an object's in order.

A definition change writes its metadata row and runs its DDL (crm.builder.ddl)
in one transaction: if either fails, both stay as they were. ValidationErrors
name the input at fault (the keys of the customization API: "object", "name",
"type", "required", ...).
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit import services as audit
from crm.builder import ddl, objects, selectors
from crm.builder.models import CustomField, FieldType
from crm.builder.services.names import generated_name, name_errors
from crm.builder.services.options import Errors, apply_options, check_required, clean_default, ddl_def, text_option
from crm.users.models import User

_EDITABLE = {
    "label",
    "help_text",
    "position",
    "hidden",
    "required",
    "unique",
    "default",
    "choices",
    "min_value",
    "max_value",
    "max_length",
}
_FIXED = {"name", "type", "target", "object_name", "object", "decimal_places"}


def _field_payload(field: CustomField) -> dict[str, str]:
    return {"object": field.object_name, "name": field.name, "label": field.label, "type": field.type}


def create_field(*, by: User, object_name: str, name: str = "", label: str, type: str, **options: Any) -> CustomField:
    """Add a custom field to `object_name` (a built-in or live custom object):
    its metadata row and its column, constraints and index, in one transaction;
    an audit row. No `name` (""): one is made from the label, or
    "field_<n>" for a label without Latin letters (names.generated_name).
    ValidationError naming the input at fault; ddl.Busy when the table stayed
    locked by others (nothing changed)."""
    errors: Errors = {}
    if not isinstance(object_name, str) or not selectors.object_exists(object_name):
        errors["object"] = [_("No such object.")]
    if type not in FieldType.values:
        errors["type"] = [_("Unknown type; one of: %(types)s.") % {"types": ", ".join(FieldType.values)}]
    label = text_option(label, "label", errors, limit=100, required=True)
    if "object" not in errors:
        reserved = objects.builtin_names(object_name)
        if not name and isinstance(label, str):
            taken = set(CustomField.objects.filter(object_name=object_name).values_list("name", flat=True))
            name = generated_name(label, prefix="field", taken=taken, reserved=reserved)
        problems = name_errors(name, reserved)
        if problems:
            errors["name"] = problems
        elif CustomField.objects.filter(object_name=object_name, name=name).exists():
            errors["name"] = [
                _("This object already has a field of this name (perhaps deleted and waiting to be purged).")
            ]
        if CustomField.objects.filter(object_name=object_name).count() >= settings.BUILDER_MAX_FIELDS_PER_OBJECT:
            errors["object"] = [
                _("%(object)s has %(limit)d custom fields, the most allowed.")
                % {"object": object_name, "limit": settings.BUILDER_MAX_FIELDS_PER_OBJECT}
            ]
    if errors.keys() & {"object", "type"}:
        raise ValidationError(errors)
    field = CustomField(object_name=object_name, name=name if isinstance(name, str) else "", label=label, type=type)
    apply_options(field, options, errors, creating=True)
    field.default = clean_default(field, options.get("default"), errors)
    check_required(field, errors)
    if errors:
        raise ValidationError(errors)
    if "position" not in options or options["position"] is None:
        last = CustomField.objects.filter(object_name=object_name).aggregate(last=Max("position"))["last"]
        field.position = 0 if last is None else last + 1
    try:
        with transaction.atomic():
            field.save()
            ddl.add_column(ddl_def(field))
            audit.record(actor=by, action="builder.field_created", target=field, payload=_field_payload(field))
    except IntegrityError as exc:
        # Another admin added the same name at the same moment.
        if isinstance(exc.__cause__, (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateColumn)):
            raise ValidationError({"name": [_("This object already has a field of this name.")]}) from exc
        raise
    except ValidationError as exc:
        field.pk = None
        raise exc
    return field


def update_field(field: CustomField, *, by: User, **changes: Any) -> CustomField:
    """Change a live field: label, help text, position and hidden are metadata
    only; required, unique, default, choices, minimum, maximum and maximum length
    change the column's constraints too (refused with a message when the records
    do not allow it). Name, type, target and decimal places never change."""
    errors: Errors = {}
    if field.deleted_at is not None:
        raise ValidationError({"non_field_errors": [_("This field is deleted; restore it first.")]})
    for key in changes:
        if key in _FIXED:
            errors[key] = [_("This cannot be changed; add a new field instead.")]
        elif key not in _EDITABLE:
            errors[key] = [_("Unknown option.")]
    if errors:
        raise ValidationError(errors)
    old = CustomField.objects.get(pk=field.pk)
    updated = CustomField.objects.get(pk=field.pk)
    if "label" in changes:
        updated.label = text_option(changes["label"], "label", errors, limit=100, required=True)
    options = {key: value for key, value in changes.items() if key != "label"}
    apply_options(updated, options, errors, creating=False)
    if "default" in changes:
        updated.default = clean_default(updated, changes["default"], errors)
    if (updated.required and not old.required) or "default" in changes:
        check_required(updated, errors, had_rows=False)
    if errors:
        raise ValidationError(errors)
    diff = {
        key: [_json(getattr(old, key)), _json(getattr(updated, key))]
        for key in _EDITABLE
        if getattr(old, key) != getattr(updated, key)
    }
    if not diff:
        return field
    with transaction.atomic():
        updated.save()
        ddl.alter_column(ddl_def(old), ddl_def(updated))
        audit.record(
            actor=by,
            action="builder.field_updated",
            target=updated,
            payload={**_field_payload(updated), "changes": diff},
        )
    return updated


def _json(value: object) -> object:
    return str(value) if isinstance(value, Decimal) else value


def delete_field(field: CustomField, *, by: User) -> CustomField:
    """Mark a field deleted: hidden everywhere, its data kept, restorable for the
    grace period, then dropped by the purge task. A required field stops
    requiring a value meanwhile (records are still made without it)."""
    if field.deleted_at is not None:
        return field
    with transaction.atomic():
        field.deleted_at = timezone.now()
        field.save(update_fields=["deleted_at"])
        if field.required:
            ddl.set_required(selectors.field_def(field), False)
        audit.record(actor=by, action="builder.field_deleted", target=field, payload=_field_payload(field))
    return field


def restore_field(field: CustomField, *, by: User) -> CustomField:
    """Undo delete_field before the purge. A required field stays required only
    if no record lacks a value meanwhile; otherwise it comes back optional."""
    if field.deleted_at is None:
        return field
    if not selectors.object_exists(field.object_name):
        raise ValidationError({"object": [_("Its object is deleted; restore the object first.")]})
    if field.type == FieldType.LOOKUP and not selectors.object_exists(field.target):
        raise ValidationError({"target": [_("The object it points at is deleted; restore that first.")]})
    with transaction.atomic():
        field.deleted_at = None
        if field.required:
            if ddl.column_has_nulls(selectors.field_def(field)):
                field.required = False
            else:
                ddl.set_required(selectors.field_def(field), True)
        field.save(update_fields=["deleted_at", "required"])
        audit.record(
            actor=by,
            action="builder.field_restored",
            target=field,
            payload={**_field_payload(field), "required": field.required},
        )
    return field


def reorder_fields(*, object_name: str, names: Sequence[str], by: User) -> list[CustomField]:
    """Put the live custom fields of `object_name` in the order of `names`
    (every live field's name, once): they are numbered 0, 1, 2… afresh, so
    equal or gapped positions (from the API) end up as listed. One transaction
    (the fields locked meanwhile); an audit row per field whose position
    changed, as update_field writes. ValidationError {"names": [...]} when
    `names` is not exactly the object's live fields. Returns the fields in order."""
    with transaction.atomic():
        fields = list(selectors.custom_fields(object_name=object_name).select_for_update())
        by_name = {field.name: field for field in fields}
        if (
            not isinstance(names, (list, tuple))
            or not all(isinstance(name, str) for name in names)
            or len(names) != len(set(names))
            or set(names) != set(by_name)
        ):
            raise ValidationError({"names": [_("Give every field of the object once, in the new order.")]})
        ordered = [by_name[name] for name in names]
        for position, field in enumerate(ordered):
            if field.position != position:
                ordered[position] = update_field(field, by=by, position=position)
    return ordered
