"""Writes of the module builder (docs/decisions/008): definitions of custom
fields, objects and layouts, the values of custom fields, and the records of
custom objects.

A definition change writes its metadata row and runs its DDL (crm.builder.ddl)
in one transaction: if either fails, both stay as they were. ValidationErrors
name the input at fault (the keys of the customization API: "object", "name",
"type", "required", ...; for values, the field's api_key).
"""

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

from crm.access import permissions
from crm.access import services as access_services
from crm.access.ownership import check_may_delete, new_owner, resolve_owner
from crm.access.permissions import MODULES, custom_object_module
from crm.activities.models import Activity
from crm.attachments import selectors as attachment_selectors
from crm.attachments import services as attachment_services
from crm.audit import selectors as audit_selectors
from crm.audit import services as audit
from crm.audit import versions
from crm.builder import ddl, dynamic, objects, query, selectors, shapes
from crm.builder import values as field_values
from crm.builder.models import CustomField, CustomObject, FieldType, Layout
from crm.savedviews import services as savedview_services
from crm.savedviews.selectors import custom_list_name

log = logging.getLogger(__name__)

_NAME = re.compile(shapes.NAME)
_NO_UNIQUE = frozenset({FieldType.LONG_TEXT, FieldType.BOOLEAN, FieldType.MULTI_CHOICE})
_NUMERIC = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.CURRENCY})
_CHOICES = frozenset({FieldType.CHOICE, FieldType.MULTI_CHOICE})
_MAX_TEXT_LENGTH = 10000
_MAX_CHOICES = 500
# Options each type takes besides those every field has.
_TYPE_OPTIONS = {
    FieldType.TEXT: {"max_length"},
    FieldType.LONG_TEXT: {"max_length"},
    FieldType.INTEGER: {"min_value", "max_value"},
    FieldType.DECIMAL: {"min_value", "max_value", "decimal_places"},
    FieldType.CURRENCY: {"min_value", "max_value", "decimal_places"},
    FieldType.CHOICE: {"choices"},
    FieldType.MULTI_CHOICE: {"choices"},
    FieldType.LOOKUP: {"target"},
}
_COMMON_OPTIONS = {"required", "unique", "default", "help_text", "position", "hidden"}
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


def grace_period():
    return timedelta(days=settings.BUILDER_DELETE_GRACE_DAYS)


# Names ----------------------------------------------------------------------------


def _is_reserved_word(word):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_get_keywords() WHERE word = %s AND catcode = 'R'", [word])
        return cursor.fetchone() is not None


def _name_errors(name, reserved):
    """Messages about a field's or object's name (docs/decisions/008, "Names and collisions")."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return [_("Use 1 to 40 lower-case letters, digits and underscores, starting with a letter.")]
    if "__" in name or name.endswith("_"):
        return [_("Double underscores and a trailing underscore are not allowed.")]
    if name.startswith(("cf_", "cx_")):
        return [_("Names starting with cf_ or cx_ are reserved.")]
    if name in reserved or name in objects.RESERVED_NAMES:
        return [_('"%(name)s" is already used by the CRM here; choose another name.') % {"name": name}]
    if _is_reserved_word(name):
        return [_('"%(name)s" is a reserved word of the database; choose another name.') % {"name": name}]
    return []


# Field options ------------------------------------------------------------------


def _text_option(value, key, errors, *, limit, required=False):
    if value is None:
        value = ""
    if not isinstance(value, str) or "\x00" in value:
        errors[key] = [_("Enter text.")]
        return ""
    value = value.strip()
    if required and not value:
        errors[key] = [_("This field is required.")]
    elif len(value) > limit:
        errors[key] = [_("Ensure this value has at most %(limit)d characters.") % {"limit": limit}]
    return value


def _normalized_choices(raw, errors):
    if not isinstance(raw, (list, tuple)) or not raw:
        errors["choices"] = [_("Give a non-empty list of choices.")]
        return []
    if len(raw) > _MAX_CHOICES:
        errors["choices"] = [_("At most %(limit)d choices.") % {"limit": _MAX_CHOICES}]
        return []
    found, seen = [], set()
    for item in raw:
        if isinstance(item, str):
            item = {"value": item}
        if not isinstance(item, dict) or set(item) - {"value", "label", "color"}:
            errors["choices"] = [_('Each choice is {"value", "label", "color"} or a string.')]
            return []
        value, label, color = item.get("value"), item.get("label", item.get("value")), item.get("color") or ""
        if (
            not isinstance(value, str)
            or not value.strip()
            or len(value) > 100
            or "\x00" in value
            or not isinstance(label, str)
            or len(label) > 100
            or "\x00" in label
            or not isinstance(color, str)
            or len(color) > 20
            or "\x00" in color
        ):
            errors["choices"] = [
                _("A choice's value and label are text of at most 100 characters, its colour at most 20.")
            ]
            return []
        if value in seen:
            errors["choices"] = [_('The choice "%(value)s" is given twice.') % {"value": value}]
            return []
        seen.add(value)
        found.append({"value": value, "label": label or value, "color": color})
    return found


def _number_option(value, key, errors):
    from decimal import Decimal, InvalidOperation

    if value is None or value == "":
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, str, Decimal))
        or (isinstance(value, str) and not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value))
    ):
        errors[key] = [_("A number is required.")]
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors[key] = [_("A number is required.")]
        return None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 18 or number.as_tuple().exponent < -10:
        errors[key] = [_("Give a number below 10^18 with at most 10 decimal places.")]
        return None
    return number


def _int_option(value, key, errors, *, low, high):
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors[key] = [_("A whole number from %(low)d to %(high)d is required.") % {"low": low, "high": high}]
        return None
    return value


def _bool_option(value, key, errors):
    if value is None:
        return False
    if not isinstance(value, bool):
        errors[key] = [_("Must be true or false.")]
        return False
    return value


def _apply_options(field, options, errors, *, creating):
    """Check `options` against `field.type` and set them on the (unsaved) row."""
    kind = field.type
    allowed = _COMMON_OPTIONS | _TYPE_OPTIONS.get(kind, set())
    for key, value in options.items():
        if key not in _COMMON_OPTIONS | {o for opts in _TYPE_OPTIONS.values() for o in opts}:
            errors[key] = [_("Unknown option.")]
        elif key not in allowed and value not in (None, "", [], False):
            errors[key] = [_("Does not apply to a field of type %(type)s.") % {"type": kind}]
    if "required" in options:
        field.required = _bool_option(options["required"], "required", errors)
    if "unique" in options:
        field.unique = _bool_option(options["unique"], "unique", errors)
    if "hidden" in options:
        field.hidden = _bool_option(options["hidden"], "hidden", errors)
    if "help_text" in options:
        field.help_text = _text_option(options["help_text"], "help_text", errors, limit=255)
    if "position" in options and options["position"] is not None:
        field.position = _int_option(options["position"], "position", errors, low=0, high=100000) or 0
    if field.unique and kind in _NO_UNIQUE:
        errors["unique"] = [_("A field of type %(type)s cannot be unique.") % {"type": kind}]
    if kind in _NUMERIC:
        for key in ("min_value", "max_value"):
            if key in options:
                setattr(field, key, _number_option(options[key], key, errors))
        if field.min_value is not None and field.max_value is not None and field.min_value > field.max_value:
            errors["max_value"] = [_("The maximum is below the minimum.")]
    if kind in (FieldType.DECIMAL, FieldType.CURRENCY) and creating:
        places = options.get("decimal_places")
        field.decimal_places = (
            2 if places in (None, "") else _int_option(places, "decimal_places", errors, low=0, high=8) or 0
        )
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT) and "max_length" in options:
        field.max_length = _int_option(
            options["max_length"],
            "max_length",
            errors,
            low=1,
            high=(_MAX_TEXT_LENGTH if kind == FieldType.TEXT else 1_000_000),
        )
    if kind in _CHOICES and ("choices" in options or creating):
        field.choices = _normalized_choices(options.get("choices"), errors)
    if kind == FieldType.LOOKUP and creating:
        target = options.get("target")
        if not isinstance(target, str) or not selectors.object_exists(target):
            errors["target"] = [_('Give the object the lookup points at (e.g. "accounts").')]
        else:
            field.target = target
        if field.required:
            errors["required"] = [_("A lookup cannot be required: deleting the record it points at empties it.")]
    if kind == FieldType.LOOKUP and options.get("default") is not None:
        errors["default"] = [_("A lookup has no default.")]
    if (
        kind == FieldType.BOOLEAN
        and field.required
        and options.get("default", field.default) is None
        and "required" not in errors
    ):
        errors["required"] = [_("A required yes/no field needs a default (true or false).")]


def _clean_default(field, raw, errors):
    """The default as stored in the metadata (JSON), checked like a value of the field."""
    if raw is None or raw == "" or (isinstance(raw, list) and not raw):
        return None
    if "choices" in errors or "target" in errors:
        return None
    definition = selectors.field_def(field)
    try:
        value = field_values.clean_value(definition, raw, partial=True)
    except ValidationError as exc:
        errors["default"] = exc.messages
        return None
    return field_values.to_json(definition, value)


def _default_value(field):
    """The default as the column's Python value (for DDL), or None."""
    if field.default is None:
        return None
    return field_values.clean_value(selectors.field_def(field), field.default, partial=True)


def _ddl_def(field):
    """A FieldDef whose default is the Python value the DDL writes as a constant."""
    from dataclasses import replace

    return replace(selectors.field_def(field), default=_default_value(field))


def _check_required(field, errors, *, had_rows=None):
    if not field.required or field.default is not None or "required" in errors:
        return
    if objects.is_builtin(field.object_name):
        errors["required"] = [
            _(
                "A required field on %(object)s needs a default: records are also made where "
                "the field is not asked (lead conversion, imports)."
            )
            % {"object": field.object_name}
        ]
    elif had_rows if had_rows is not None else ddl.table_has_rows(field.object_name):
        errors["required"] = [_("The object already has records: a required field needs a default for them.")]


def _audit(by, action, target, payload):
    audit.record(actor=by, action=action, target=target, payload=payload)


def _field_payload(field):
    return {"object": field.object_name, "name": field.name, "label": field.label, "type": field.type}


# Fields ---------------------------------------------------------------------------


def create_field(*, by, object_name, name, label, type, **options):
    """Add a custom field to `object_name` (a built-in or live custom object):
    its metadata row and its column, constraints and index, in one transaction;
    an audit row. ValidationError naming the input at fault; ddl.Busy when the
    table stayed locked by others (nothing changed)."""
    errors = {}
    if not isinstance(object_name, str) or not selectors.object_exists(object_name):
        errors["object"] = [_("No such object.")]
    if type not in FieldType.values:
        errors["type"] = [_("Unknown type; one of: %(types)s.") % {"types": ", ".join(FieldType.values)}]
    label = _text_option(label, "label", errors, limit=100, required=True)
    if "object" not in errors:
        reserved = objects.builtin_names(object_name)
        name_errors = _name_errors(name, reserved)
        if name_errors:
            errors["name"] = name_errors
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
    _apply_options(field, options, errors, creating=True)
    field.default = _clean_default(field, options.get("default"), errors)
    _check_required(field, errors)
    if errors:
        raise ValidationError(errors)
    if "position" not in options or options["position"] is None:
        last = CustomField.objects.filter(object_name=object_name).aggregate(last=Max("position"))["last"]
        field.position = 0 if last is None else last + 1
    try:
        with transaction.atomic():
            field.save()
            ddl.add_column(_ddl_def(field))
            _audit(by, "builder.field_created", field, _field_payload(field))
    except IntegrityError as exc:
        # Another admin added the same name at the same moment.
        if isinstance(exc.__cause__, (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateColumn)):
            raise ValidationError({"name": [_("This object already has a field of this name.")]}) from exc
        raise
    except ValidationError as exc:
        field.pk = None
        raise exc
    return field


def update_field(field, *, by, **changes):
    """Change a live field: label, help text, position and hidden are metadata
    only; required, unique, default, choices, minimum, maximum and maximum length
    change the column's constraints too (refused with a message when the records
    do not allow it). Name, type, target and decimal places never change."""
    errors = {}
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
        updated.label = _text_option(changes["label"], "label", errors, limit=100, required=True)
    options = {key: value for key, value in changes.items() if key != "label"}
    _apply_options(updated, options, errors, creating=False)
    if "default" in changes:
        updated.default = _clean_default(updated, changes["default"], errors)
    if (updated.required and not old.required) or "default" in changes:
        _check_required(updated, errors, had_rows=False)
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
        ddl.alter_column(_ddl_def(old), _ddl_def(updated))
        _audit(by, "builder.field_updated", updated, {**_field_payload(updated), "changes": diff})
    return updated


def _json(value):
    from decimal import Decimal

    return str(value) if isinstance(value, Decimal) else value


def delete_field(field, *, by):
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
        _audit(by, "builder.field_deleted", field, _field_payload(field))
    return field


def restore_field(field, *, by):
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
        _audit(by, "builder.field_restored", field, {**_field_payload(field), "required": field.required})
    return field


# Objects --------------------------------------------------------------------------


def create_object(*, by, name, label, label_plural, icon=""):
    """Add a custom object: its metadata row and its table `cx_<name>`, in one transaction; an audit row."""
    errors = {}
    reserved = set(objects.BUILTIN_OBJECTS.keys()) | set(MODULES) | {"objects", "customization"}
    name_errors = _name_errors(name, reserved)
    if name_errors:
        errors["name"] = name_errors
    elif CustomObject.objects.filter(name=name).exists():
        errors["name"] = [_("An object of this name exists (perhaps deleted and waiting to be purged).")]
    label = _text_option(label, "label", errors, limit=100, required=True)
    label_plural = _text_option(label_plural, "label_plural", errors, limit=100, required=True)
    icon = _text_option(icon, "icon", errors, limit=40)
    if CustomObject.objects.count() >= settings.BUILDER_MAX_OBJECTS:
        errors["non_field_errors"] = [
            _("You have %(limit)d custom objects, the most allowed.") % {"limit": settings.BUILDER_MAX_OBJECTS}
        ]
    if errors:
        raise ValidationError(errors)
    custom = CustomObject(name=name, label=label, label_plural=label_plural, icon=icon)
    # An object of this name purged before had records whose ids its history
    # (audit rows) still names: new records never reuse them.
    first_id = audit_selectors.highest_target_id(f"{dynamic.APP_LABEL}.{name}") + 1
    try:
        with transaction.atomic():
            custom.save()
            ddl.create_table(name, first_id=first_id)
            _audit(by, "builder.object_created", custom, {"name": name, "label": label})
    except IntegrityError as exc:
        if isinstance(exc.__cause__, (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable)):
            raise ValidationError({"name": [_("An object of this name exists.")]}) from exc
        raise
    return custom


def update_object(custom, *, by, **changes):
    """Change an object's label, plural label or icon (metadata only)."""
    errors = {}
    for key in changes:
        if key not in ("label", "label_plural", "icon"):
            errors[key] = [_("This cannot be changed.") if key == "name" else _("Unknown option.")]
    for key, limit, required in (("label", 100, True), ("label_plural", 100, True), ("icon", 40, False)):
        if key in changes and key not in errors:
            setattr(custom, key, _text_option(changes[key], key, errors, limit=limit, required=required))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        custom.save()
        _audit(by, "builder.object_updated", custom, {"name": custom.name, **{k: changes[k] for k in changes}})
    return custom


def delete_object(custom, *, by):
    """Mark a custom object deleted (its records hidden and kept, restorable for
    the grace period). Refused while live lookups of other objects point at it."""
    if custom.deleted_at is not None:
        return custom
    pointing = CustomField.objects.filter(type=FieldType.LOOKUP, target=custom.name, deleted_at__isnull=True).exclude(
        object_name=custom.name
    )
    if pointing.exists():
        raise ValidationError(
            {
                "non_field_errors": [
                    _("Fields point at this object: %(fields)s. Delete them first.")
                    % {"fields": ", ".join(str(f) for f in pointing)}
                ]
            }
        )
    with transaction.atomic():
        custom.deleted_at = timezone.now()
        custom.save(update_fields=["deleted_at"])
        _audit(by, "builder.object_deleted", custom, {"name": custom.name})
    return custom


def restore_object(custom, *, by):
    if custom.deleted_at is None:
        return custom
    with transaction.atomic():
        custom.deleted_at = None
        custom.save(update_fields=["deleted_at"])
        _audit(by, "builder.object_restored", custom, {"name": custom.name})
    return custom


def purge_deleted(*, now=None):
    """Drop the columns and tables of fields and objects deleted longer ago than
    the grace period, with their metadata; each in its own transaction (one
    that finds its table busy is left for the next run). Returns what was dropped."""
    cutoff = (now or timezone.now()) - grace_period()
    dropped = []
    for field in CustomField.objects.filter(deleted_at__lt=cutoff).order_by("id"):
        try:
            with transaction.atomic():
                if (
                    objects.is_builtin(field.object_name)
                    or CustomObject.objects.filter(name=field.object_name).exists()
                ):
                    ddl.drop_column(selectors.field_def(field))
                _remove_from_layouts(field.object_name, field.name)
                field.delete()
        except ddl.Busy:
            log.warning("builder purge: %s is busy, left for the next run", field)
            continue
        dropped.append(str(field))
    for custom in CustomObject.objects.filter(deleted_at__lt=cutoff).order_by("id"):
        try:
            with transaction.atomic():
                _forget_records(custom.name)
                # An object made later under this name starts visible to every role.
                access_services.forget_module(module=custom_object_module(custom.name))
                savedview_services.forget_list(custom_list_name(custom.name))
                ddl.drop_table(custom.name)
                CustomField.objects.filter(object_name=custom.name).delete()
                Layout.objects.filter(object_name=custom.name).delete()
                custom.delete()
        except ddl.Busy:
            log.warning("builder purge: %s is busy, left for the next run", custom.table)
            continue
        dropped.append(custom.table)
    return dropped


def _remove_from_layouts(object_name, name):
    for layout in Layout.objects.filter(object_name=object_name):
        if layout.kind == Layout.Kind.FORM:
            layout.sections = [
                {**section, "fields": [f for f in section["fields"] if f != name]} for section in layout.sections
            ]
        else:
            layout.sections = [f for f in layout.sections if f != name]
        layout.save(update_fields=["sections", "updated_at"])


# Layouts --------------------------------------------------------------------------


def _layout_names(object_name):
    """Names a layout of `object_name` may place: built-in fields and live custom fields."""
    if objects.is_builtin(object_name):
        model = objects.BUILTIN_OBJECTS[object_name]
        builtin = {f.name for f in model._meta.get_fields() if f.concrete or f.many_to_many}
    else:
        builtin = {"name", "owner", "created_at", "updated_at"}
    return builtin | {f.name for f in selectors.fields_for(object_name, include_hidden=True)}


def save_layout(*, by, object_name, kind, sections):
    """Save which fields `object_name`'s form (sections of {"title", "fields"})
    or list (column names) shows, in that order."""
    if not isinstance(object_name, str) or not selectors.object_exists(object_name):
        raise ValidationError({"object": [_("No such object.")]})
    if kind not in Layout.Kind.values:
        raise ValidationError({"kind": [_("Either form or list.")]})
    known = _layout_names(object_name)
    errors, placed = [], []
    if kind == Layout.Kind.FORM:
        if not isinstance(sections, list):
            raise ValidationError({"sections": [_('Give a list of {"title", "fields"} sections.')]})
        cleaned = []
        for section in sections:
            if (
                not isinstance(section, dict)
                or set(section) - {"title", "fields"}
                or not isinstance(section.get("title", ""), str)
                or len(section.get("title", "")) > 100
                or "\x00" in section.get("title", "")
                or not isinstance(section.get("fields"), list)
            ):
                raise ValidationError({"sections": [_('Each section is {"title": text, "fields": [names]}.')]})
            cleaned.append({"title": section.get("title", "").strip(), "fields": section["fields"]})
            placed += section["fields"]
        sections = cleaned
    else:
        if not isinstance(sections, list):
            raise ValidationError({"sections": [_("Give a list of field names.")]})
        placed = sections
    for name in placed:
        if not isinstance(name, str) or name not in known:
            errors.append(_("Unknown field: %(name)s.") % {"name": str(name)[:60]})
    if len(placed) != len({p for p in placed if isinstance(p, str)}):
        errors.append(_("A field is placed twice."))
    if errors:
        raise ValidationError({"sections": errors})
    with transaction.atomic():
        layout, _created = Layout.objects.update_or_create(
            object_name=object_name, kind=kind, defaults={"sections": sections}
        )
        _audit(by, "builder.layout_saved", layout, {"object": object_name, "kind": kind})
    return layout


def create_placed_field(*, by: Any, object_name: str, show_on_list: bool = False, **definition: Any) -> CustomField:
    """create_field (`definition`: its name, label, type and options), and the new
    field placed in one transaction with it: at the end of the form layout the
    admin saved (a default form shows every field anyway) and, if
    `show_on_list`, at the end of the list's columns (as they were before the
    field existed: a custom object's default list follows its fields)."""
    with transaction.atomic():
        visible = selectors.fields_for(object_name)
        form_layout = selectors.layout_for(object_name, Layout.Kind.FORM)
        if form_layout == selectors.default_layout(object_name, Layout.Kind.FORM, visible):
            form_layout = None
        columns = selectors.layout_for(object_name, Layout.Kind.LIST)
        created = create_field(by=by, object_name=object_name, **definition)
        if form_layout:
            sections = [dict(section) for section in form_layout]
            sections[-1]["fields"] = [*sections[-1].get("fields", []), created.name]
            save_layout(by=by, object_name=object_name, kind=Layout.Kind.FORM, sections=sections)
        if show_on_list:
            save_layout(by=by, object_name=object_name, kind=Layout.Kind.LIST, sections=[*columns, created.name])
        elif columns != selectors.layout_for(object_name, Layout.Kind.LIST):
            # A custom object's default list shows its first fields; keep it as it was, without this one.
            save_layout(by=by, object_name=object_name, kind=Layout.Kind.LIST, sections=columns)
    return created


def reorder_fields(*, object_name: str, names: Sequence[str], by: Any) -> list[CustomField]:
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


# Values ---------------------------------------------------------------------------

_VIOLATIONS = {
    psycopg.errors.UniqueViolation: _("Another record already has this value."),
    psycopg.errors.NotNullViolation: _("This field is required."),
    psycopg.errors.CheckViolation: _("This value is not allowed here."),
    psycopg.errors.ForeignKeyViolation: _("No such record."),
}


def _field_of(exc, fields, table):
    diag = getattr(exc.__cause__, "diag", None)
    if diag is None:
        return None
    found = ddl.field_for_constraint(diag.constraint_name, fields, table)
    if found is None and diag.column_name:
        found = next((f for f in fields if f.column == diag.column_name), None)
    return found


def _violation(exc, fields, table):
    """The ValidationError naming the field a custom column's constraint refused, or None."""
    field = _field_of(exc, fields, table)
    for error_class, message in _VIOLATIONS.items():
        if field is not None and isinstance(exc.__cause__, error_class):
            return ValidationError({field.api_key: [str(message)]})
    return None


def _assignments(fields, values):
    by_key = {f.api_key: f for f in fields}
    unknown = set(values) - set(by_key)
    if unknown:
        raise ValueError(f"not custom fields of this object: {sorted(unknown)}")
    return [(by_key[key], value) for key, value in values.items()]


def _record_ref(object_name, record_id):
    """An unsaved instance standing for one record, as the audit row's target."""
    model = (
        objects.BUILTIN_OBJECTS[object_name] if objects.is_builtin(object_name) else dynamic.record_model(object_name)
    )
    return model(pk=record_id)


def _updated_action(object_name):
    # The action the record's own update service writes: "account.updated", "vehicle.updated".
    if objects.is_builtin(object_name):
        return f"{objects.BUILTIN_OBJECTS[object_name]._meta.model_name}.updated"
    return f"{object_name}.updated"


def value_change(field, old, new):
    """The audit payload entry of one custom field's change (old and new as the API writes them)."""
    return {"label": field.label, "old": _plain_value(field, old), "new": _plain_value(field, new)}


def _plain_value(field, value):
    if isinstance(value, datetime):
        # In UTC, so that one instant written in two time zones is no change.
        value = value.astimezone(UTC)
    return field_values.to_json(field, value)


def _stored_values(table, fields, record_id, *, lock=False):
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


def set_custom_values(*, object_name, record_id, values, fields=None, by=None):
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
    pairs = _assignments(fields, values)
    with transaction.atomic():
        # Locked, so the old values recorded are those this write replaces.
        before = _stored_values(table, [f for f, _v in pairs], record_id, lock=True)
        _write_values(table, fields, pairs, record_id)
        diff = {}
        for field, value in pairs:
            change = value_change(field, before.get(field.api_key), value)
            if change["old"] != change["new"]:
                diff[field.api_key] = change
        if diff:
            _audit(by, _updated_action(object_name), _record_ref(object_name, record_id), diff)
    return diff


def _write_values(table, fields, pairs, record_id):
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
        error = _violation(exc, fields, table)
        if error is None:
            raise
        raise error from exc


def clean_custom_values(object_name, data, *, by, partial, fields=None):
    """{api_key: value} of the custom fields in `data` (all of the object's on a
    create), checked; ValidationError {api_key: [message]} for every bad one."""
    if fields is None:
        fields = selectors.fields_for(object_name, include_hidden=True)
    return field_values.clean_values(fields, data, partial=partial, user=by)


# Records of custom objects --------------------------------------------------------


def _record_name(name, errors):
    return _text_option(name, "name", errors, limit=255, required=True)


def create_record(object_name, *, by, name, owner=None, values=None):
    """Create a record of a live custom object owned by `owner` (default: `by`),
    with its custom values (keyed by field name; checked here) in one INSERT;
    an audit row. A field masked for `by`'s role may not be given. Returns the
    record with its custom fields annotated."""
    selectors.custom_object_get(object_name)
    permissions.check_writable(by, custom_object_module(object_name), values or {})
    errors = {}
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
    pairs = _assignments(fields, cleaned)
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
            error = _violation(exc, fields, table)
            if error is None:
                raise
            raise error from exc
        record = _fresh(object_name, record_id, fields)
        _audit(by, f"{object_name}.created", record, {"name": name})
    return record


def _fresh(object_name, pk, fields):
    model = dynamic.record_model(object_name)
    return query.with_custom_fields(model.objects.filter(pk=pk), object_name, fields).get()


def update_record(object_name, record, *, by, values=None, expected_version=None, **changes):
    """Change a record (one `by` can see): `name`, `owner` and custom values
    (keyed by field name; checked here), in one transaction; old → new in the
    audit row. Only what changes is written, on the row as it is now, locked;
    nothing changed, nothing written. As for built-in records: StaleRecord when
    it is no longer at `expected_version` (crm.audit.versions), a field masked
    for `by` refused, a new owner only from its owner and above."""
    errors = {}
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
        diff = audit.changes(record, ["name", "owner"], changes)
        pairs = _assignments(fields, cleaned)
        table = objects.table_for(object_name)
        # Locked, so the old values recorded are those this write replaces.
        before = _stored_values(table, [f for f, _v in pairs], record.pk, lock=True)
        pairs = [(f, v) for f, v in pairs if f.api_key not in before or _changed(f, before[f.api_key], v)]
        for field, value in pairs:
            diff[field.api_key] = value_change(field, before.get(field.api_key), value)
        for key in set(diff) & set(changes):
            setattr(record, key, changes[key])
        _write_values(table, fields, pairs, record.pk)
        if diff:
            _audit(by, f"{object_name}.updated", record, diff)
            # Last, after the audit row: the new version is stamped after it.
            record.save(update_fields=[*(set(diff) & set(changes)), "updated_at"])
    return _fresh(object_name, record.pk, fields)


def _changed(field: Any, old: Any, new: Any) -> bool:
    change = value_change(field, old, new)
    return change["old"] != change["new"]


def delete_record(object_name, record, *, by, expected_version=None):
    """Delete a record (its owner, their managers, directors and admins only:
    PermissionDenied otherwise): lookups pointing at it become empty, its
    activities stay with their owners without it, its files are deleted (after
    commit); an audit row. StaleRecord when it is no longer at `expected_version`."""
    with transaction.atomic():
        versions.lock(record)
        versions.check(record, expected_version)
        check_may_delete(by=by, record=record)
        _audit(by, f"{object_name}.deleted", record, {"name": record.name})
        _forget_records(object_name, record.pk)
        record.delete()


def _forget_records(object_name, record_id=None):
    """What hangs on one record of a custom object (all its records: `record_id`
    None, when its table is purged), for the record's deletion in the caller's
    transaction: activities are detached and kept for their owners, as those of
    a deleted account are; attachments and their files go."""
    activities = Activity.objects.filter(record_object=object_name)
    if record_id is not None:
        activities = activities.filter(record_id=record_id)
    activities.update(record_object="", record_id=None)
    attachment_services.remove_attachments(attachment_selectors.custom_attachments(object_name, record_id))


# Merges of built-in records -------------------------------------------------------


def _blank(value):
    return value is None or value == "" or value == [] or value == ()


def repoint_lookups(*, target_object, from_id, to_id):
    """Point every lookup field at `target_object` (on any object; deleted fields
    waiting for the purge too, their data kept for a restore) that holds
    `from_id` at `to_id` instead: one UPDATE per lookup column, in the caller's
    transaction (a merge's, before it deletes `from_id`, whose foreign keys would
    otherwise empty them). Where a unique lookup already holds `to_id`, the value
    is left for the foreign key to empty. Returns {"<object>.<field>": rows moved}."""
    moved = {}
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


def fill_blank_values(*, object_name, keep_id, other_id):
    """Give record `keep_id` of the built-in `object_name` the custom values it
    lacks (empty) that record `other_id` has: a merge's "fill blank fields from
    the other", in its transaction, before it deletes `other_id`. A unique
    value moves (emptied on `other_id` first, so that the two never hold it at
    once). No audit row of its own: returns {api_key: {"label", "old", "new"}}
    for the merge's."""
    fields = selectors.fields_for(object_name, include_hidden=True)
    table = objects.table_for(object_name)
    with transaction.atomic():
        mine = _stored_values(table, fields, keep_id, lock=True)
        theirs = _stored_values(table, fields, other_id, lock=True)
        pairs = [
            (f, theirs[f.api_key])
            for f in fields
            if mine and theirs and _blank(mine[f.api_key]) and not _blank(theirs[f.api_key])
        ]
        moving = [(f, None) for f, _value in pairs if f.unique]
        _write_values(table, fields, moving, other_id)
        _write_values(table, fields, pairs, keep_id)
    return {f.api_key: value_change(f, mine[f.api_key], value) for f, value in pairs}
