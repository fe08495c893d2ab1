"""JSON types as the document states them. DRF's fields also take whatever
converts: a CharField 0 (as "0"), an IntegerField "7" or 7.0, a
PrimaryKeyRelatedField "7" or 2.5e-42 (as 0), a BooleanField "yes" or 1."""

from collections.abc import Mapping

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from tenants import time_zones

# The JSON types each kind of field takes, and the message for any other; a
# CharField's entry covers its subclasses (EmailField, RegexField, ...). Related
# records are named by integer ids (DEFAULT_AUTO_FIELD).
_JSON_TYPES = (
    (serializers.BooleanField, (bool,), "invalid"),
    (serializers.IntegerField, (int,), "invalid"),
    (serializers.FloatField, (int, float), "invalid"),
    (serializers.CharField, (str,), "invalid"),
    (serializers.PrimaryKeyRelatedField, (int,), "incorrect_type"),
)


def _is_a(value, types):
    return isinstance(value, types) and (bool in types or not isinstance(value, bool))


class StrictJSONTypes:
    # Serializer mixin: a value of the wrong JSON type is a 400 on its field,
    # reported with the other fields' errors. (A comment, not a docstring:
    # drf-spectacular would make that the description of every serializer.)

    def to_internal_value(self, data):
        wrong = ValidationError(self._wrong_json_types(data)).detail if isinstance(data, Mapping) else {}
        try:
            value = super().to_internal_value(data)
        except ValidationError as exc:
            if wrong and isinstance(exc.detail, dict):
                exc.detail.update(wrong)
            raise
        if wrong:
            raise ValidationError(wrong)
        return value

    def _wrong_json_types(self, data):
        errors = {}
        for name, field in self.fields.items():
            value = data.get(name)
            if field.read_only or value is None:
                continue
            if isinstance(field, serializers.ManyRelatedField):
                if not isinstance(value, list):
                    errors[name] = [field.error_messages["not_a_list"].format(input_type=type(value).__name__)]
                elif not all(_is_a(item, (int,)) for item in value):
                    errors[name] = [
                        field.child_relation.error_messages["incorrect_type"].format(
                            data_type="a list with non-integers"
                        )
                    ]
                continue
            for field_class, types, message in _JSON_TYPES:
                if isinstance(field, field_class):
                    if not _is_a(value, types):
                        errors[name] = [field.error_messages[message].format(data_type=type(value).__name__)]
                    break
        return errors


# The enum without drf-spectacular's "* `X` - X" line per zone in the description.
_ZONE_SCHEMA = {"type": "string", "enum": ["", *sorted(time_zones.names())], "example": "Asia/Shanghai"}


@extend_schema_field(_ZONE_SCHEMA)
class TimeZoneField(serializers.ChoiceField):
    """An IANA time zone name zoneinfo knows (tenants/time_zones.py); "" for none.
    With allow_null, stored "" reads as null."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        super().__init__(choices=sorted(time_zones.names()), **kwargs)

    def to_representation(self, value):
        return (value or None) if self.allow_null else value
