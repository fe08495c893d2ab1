"""Custom field values: what a write may store (checked here first, so a user
gets a message naming the field instead of PostgreSQL's IntegrityError) and how
a stored value is written out as JSON. PostgreSQL enforces the same rules
(crm.builder.ddl)."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from crm.builder import shapes
from crm.builder.models import FieldType


class _Missing:
    def __repr__(self):
        return "MISSING"

    def __bool__(self):
        return False


# "Not given" (as opposed to None, "no value").
MISSING = _Missing()

_BIGINT = 2**63
_TOTAL_DIGITS = 18
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MAX_LENGTHS = {FieldType.EMAIL: 254, FieldType.URL: 2000, FieldType.PHONE: 40, FieldType.CHOICE: 100}


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _text(field, raw):
    if not isinstance(raw, str):
        raise ValidationError(_("Enter text."))
    if "\x00" in raw:
        raise ValidationError(_("Null characters are not allowed."))
    if raw.strip() == "":
        return None
    limit = field.max_length or (255 if field.type == FieldType.TEXT else _MAX_LENGTHS.get(field.type))
    if limit and len(raw) > limit:
        raise ValidationError(_("Ensure this value has at most %(limit)d characters.") % {"limit": limit})
    return raw


def _shaped(field, raw):
    value = _text(field, raw)
    if value is None:
        return None
    pattern, message = {
        FieldType.EMAIL: (shapes.EMAIL, _("Enter a valid e-mail address.")),
        FieldType.URL: (shapes.URL, _("Enter a valid URL (http:// or https://).")),
        FieldType.PHONE: (shapes.PHONE, _("Enter a valid phone number.")),
    }[field.type]
    if not re.fullmatch(pattern, value):
        raise ValidationError(message)
    return value


def _bounded(field, value):
    if field.min_value is not None and value < field.min_value:
        raise ValidationError(
            _("Ensure this value is greater than or equal to %(limit)s.") % {"limit": _plain_number(field.min_value)}
        )
    if field.max_value is not None and value > field.max_value:
        raise ValidationError(
            _("Ensure this value is less than or equal to %(limit)s.") % {"limit": _plain_number(field.max_value)}
        )
    return value


def _plain_number(value):
    value = Decimal(value)
    return str(value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize())


def _integer(field, raw):
    if not _is_int(raw):
        raise ValidationError(_("A whole number is required."))
    if not -_BIGINT <= raw < _BIGINT:
        raise ValidationError(_("This number is too large."))
    return _bounded(field, raw)


def _decimal(field, raw):
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
        raise ValidationError(_('A number is required (a string such as "12.50", or a number).'))
    try:
        value = Decimal(str(raw).strip()) if not isinstance(raw, Decimal) else raw
    except InvalidOperation:
        raise ValidationError(_("A number is required.")) from None
    if not value.is_finite():
        raise ValidationError(_("A number is required."))
    if abs(value) >= Decimal(10) ** (_TOTAL_DIGITS - field.decimal_places):
        raise ValidationError(_("This number is too large."))
    quantized = value.quantize(Decimal(1).scaleb(-field.decimal_places))
    if quantized != value:
        raise ValidationError(
            _("Ensure that there are no more than %(places)d decimal places.") % {"places": field.decimal_places}
        )
    value = quantized
    return _bounded(field, value)


def _date(field, raw):
    if isinstance(raw, datetime.datetime):
        raise ValidationError(_("Enter a date (YYYY-MM-DD)."))
    if isinstance(raw, datetime.date):
        return raw
    if not isinstance(raw, str) or not _DATE.match(raw):
        raise ValidationError(_("Enter a date (YYYY-MM-DD)."))
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(_("Enter a date (YYYY-MM-DD).")) from None


def _datetime(field, raw):
    if isinstance(raw, datetime.datetime):
        value = raw
    elif isinstance(raw, str) and "\x00" not in raw:
        try:
            value = parse_datetime(raw.strip())
        except ValueError:
            value = None
        if value is None:
            raise ValidationError(_("Enter a date and time (ISO 8601, e.g. 2025-01-31T14:30:00Z)."))
    else:
        raise ValidationError(_("Enter a date and time (ISO 8601, e.g. 2025-01-31T14:30:00Z)."))
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_default_timezone())
        # PostgreSQL keeps any year up to 294276, but hands it back in UTC and
        # Python reads only years 1 to 9999: 9999-12-31T23:59:59-14:00 (year
        # 10000 in UTC) stored once would break every read of its rows.
        value.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise ValidationError(_("Enter a date and time between the years 1 and 9999 (UTC).")) from None
    return value


def _boolean(field, raw):
    if not isinstance(raw, bool):
        raise ValidationError(_("Must be true or false."))
    return raw


def _choice(field, raw):
    if not isinstance(raw, str):
        raise ValidationError(_("Choose one of the field's values."))
    if raw == "":
        return None
    if raw not in field.choice_values:
        raise ValidationError(_('"%(value)s" is not one of the choices.') % {"value": raw[:100]})
    return raw


def _multi_choice(field, raw):
    if not isinstance(raw, (list, tuple)):
        raise ValidationError(_("Give a list of the field's values."))
    chosen = []
    for item in raw:
        if not isinstance(item, str) or item not in field.choice_values:
            raise ValidationError(_('"%(value)s" is not one of the choices.') % {"value": str(item)[:100]})
        if item not in chosen:
            chosen.append(item)
    return chosen or None


def _lookup(field, raw, user):
    from crm.builder import selectors

    if hasattr(raw, "pk") and not isinstance(raw, (int, str)):
        raw = raw.pk
    if not _is_int(raw):
        raise ValidationError(_("Give the id of a record."))
    if not selectors.lookup_target_visible(field.target, raw, user):
        raise ValidationError(_("No such record."))
    return raw


_CLEANERS = {
    FieldType.TEXT: _text,
    FieldType.LONG_TEXT: _text,
    FieldType.INTEGER: _integer,
    FieldType.DECIMAL: _decimal,
    FieldType.CURRENCY: _decimal,
    FieldType.DATE: _date,
    FieldType.DATETIME: _datetime,
    FieldType.BOOLEAN: _boolean,
    FieldType.CHOICE: _choice,
    FieldType.MULTI_CHOICE: _multi_choice,
    FieldType.EMAIL: _shaped,
    FieldType.URL: _shaped,
    FieldType.PHONE: _shaped,
}


def clean_value(field, raw, *, partial, user=None):
    """The value `raw` (JSON, or what a form field produced) stores in `field`'s
    column; ValidationError with a message for the user otherwise.

    `MISSING` on a create (`partial=False`) of a required field without a
    default is an error; otherwise MISSING is returned as it is (nothing to
    write: the column keeps its value, or gets its default). A lookup's record
    must exist and (with `user`) be visible to them.
    """
    if raw is MISSING:
        if not partial and field.required and field.default is None:
            raise ValidationError(_("This field is required."))
        return MISSING
    if raw is None:
        value = None
    elif field.type == FieldType.LOOKUP:
        value = _lookup(field, raw, user)
    else:
        value = _CLEANERS[field.type](field, raw)
    if value is None and field.required:
        raise ValidationError(_("This field is required."))
    return value


def clean_values(fields, data, *, partial, user=None):
    """{api_key: value} for the fields `data` (keyed by api_key) gives (all of
    them on a create); ValidationError {api_key: [message]} for every bad one."""
    cleaned, errors = {}, {}
    for field in fields:
        try:
            value = clean_value(field, data.get(field.api_key, MISSING), partial=partial, user=user)
        except ValidationError as exc:
            errors[field.api_key] = exc.messages
            continue
        if value is not MISSING:
            cleaned[field.api_key] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def to_json(field, value):
    """A stored value as the API writes it: decimals as strings, dates and times in ISO 8601."""
    if value is None:
        return [] if field.type == FieldType.MULTI_CHOICE else None
    if isinstance(value, Decimal):
        return str(
            value.quantize(Decimal(1).scaleb(-field.decimal_places))
            if field.decimal_places
            else value.quantize(Decimal(1))
        )
    if isinstance(value, datetime.datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value
