"""The options of a custom field's definition, checked: what each type takes,
its default as a value of the field, and when it may be required. The checks
add their messages to `errors` ({input name: [message]}) and go on, so that
one ValidationError names every input at fault."""

import re
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.builder import ddl, objects, selectors
from crm.builder import values as field_values
from crm.builder.models import CustomField, FieldType
from crm.builder.selectors import FieldDef

Errors = dict[str, list[str]]

_NO_UNIQUE = frozenset({FieldType.LONG_TEXT, FieldType.BOOLEAN, FieldType.MULTI_CHOICE})
_NUMERIC = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.CURRENCY})
_CHOICES = frozenset({FieldType.CHOICE, FieldType.MULTI_CHOICE})
_MAX_TEXT_LENGTH = 10000
_MAX_CHOICES = 500
# Options each type takes besides those every field has.
_TYPE_OPTIONS: dict[str, set[str]] = {
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


def text_option(value: object, key: str, errors: Errors, *, limit: int, required: bool = False) -> str:
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


def _normalized_choices(raw: object, errors: Errors) -> list[dict[str, str]]:
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


def _number_option(value: object, key: str, errors: Errors) -> Decimal | None:
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
    exponent = number.as_tuple().exponent  # a letter only for NaN and infinity
    if not number.is_finite() or abs(number) >= Decimal(10) ** 18 or (isinstance(exponent, int) and exponent < -10):
        errors[key] = [_("Give a number below 10^18 with at most 10 decimal places.")]
        return None
    return number


def _int_option(value: object, key: str, errors: Errors, *, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors[key] = [_("A whole number from %(low)d to %(high)d is required.") % {"low": low, "high": high}]
        return None
    return value


def _bool_option(value: object, key: str, errors: Errors) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        errors[key] = [_("Must be true or false.")]
        return False
    return value


def apply_options(field: CustomField, options: Mapping[str, Any], errors: Errors, *, creating: bool) -> None:
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
        field.help_text = text_option(options["help_text"], "help_text", errors, limit=255)
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


def clean_default(field: CustomField, raw: object, errors: Errors) -> Any:
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


def _default_value(field: CustomField) -> Any:
    """The default as the column's Python value (for DDL), or None."""
    if field.default is None:
        return None
    return field_values.clean_value(selectors.field_def(field), field.default, partial=True)


def ddl_def(field: CustomField) -> FieldDef:
    """A FieldDef whose default is the Python value the DDL writes as a constant."""
    return replace(selectors.field_def(field), default=_default_value(field))


def check_required(field: CustomField, errors: Errors, *, had_rows: bool | None = None) -> None:
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
