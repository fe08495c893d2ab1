"""Custom fields in the API (docs/decisions/008): one serializer field per
custom field, added to a record serializer instance per request from the
definitions read from the tenant's schema (never to the class, which every
tenant shares), and its OpenAPI schema."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers
from rest_framework.serializers import ListSerializer

from crm.builder import query, shapes, values
from crm.builder.models import FieldType


class CustomValueField(serializers.Field):
    """The value of one custom field, checked by crm.builder.values (the rules PostgreSQL also enforces)."""

    def __init__(self, definition, *, user=None, **kwargs):
        self.definition = definition
        self.user = user
        kwargs.setdefault("required", definition.required and definition.default is None)
        kwargs.setdefault("allow_null", not definition.required)
        kwargs.setdefault("label", definition.label)
        if definition.help_text:
            kwargs.setdefault("help_text", definition.help_text)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return getattr(instance, self.source, None)

    def to_internal_value(self, data):
        # Required-ness of a missing value is DRF's (it knows create from PATCH).
        return values.clean_value(self.definition, data, partial=True, user=self.user)

    def to_representation(self, value):
        return values.to_json(self.definition, value)


def add_custom_fields(serializer, fields, user):
    """Add a CustomValueField per FieldDef to `serializer` (or its child, for a list)."""
    if not fields:
        return serializer
    target = serializer.child if isinstance(serializer, ListSerializer) else serializer
    for definition in fields:
        target.fields[definition.api_key] = CustomValueField(definition, user=user)
    return serializer


def custom_data(validated_data, fields):
    """Split the custom values (by api_key) out of `validated_data`, in place."""
    return {f.api_key: validated_data.pop(f.api_key) for f in fields if f.api_key in validated_data}


_DECIMAL_PATTERN = r"^-?\d{1,%d}(\.\d{1,%d})?$"


def field_schema(definition, direction="response"):
    """The JSON schema of a custom field's value."""
    kind = definition.type
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
        schema = {"type": "string"}
        limit = definition.max_length or (255 if kind == FieldType.TEXT else None)
        if limit:
            schema["maxLength"] = limit
    elif kind == FieldType.INTEGER:
        schema = {"type": "integer", "format": "int64"}
        if definition.min_value is not None:
            schema["minimum"] = (
                int(definition.min_value)
                if definition.min_value == int(definition.min_value)
                else float(definition.min_value)
            )
        if definition.max_value is not None:
            schema["maximum"] = (
                int(definition.max_value)
                if definition.max_value == int(definition.max_value)
                else float(definition.max_value)
            )
    elif kind in (FieldType.DECIMAL, FieldType.CURRENCY):
        places = definition.decimal_places
        pattern = (_DECIMAL_PATTERN % (18 - places, places)) if places else r"^-?\d{1,18}$"
        schema = {"type": "string", "format": "decimal", "pattern": pattern}
    elif kind == FieldType.DATE:
        schema = {"type": "string", "format": "date"}
    elif kind == FieldType.DATETIME:
        schema = {"type": "string", "format": "date-time"}
    elif kind == FieldType.BOOLEAN:
        schema = {"type": "boolean"}
    elif kind == FieldType.CHOICE:
        schema = {"type": "string", "enum": definition.choice_values}
    elif kind == FieldType.MULTI_CHOICE:
        schema = {"type": "array", "items": {"type": "string", "enum": definition.choice_values}}
    elif kind == FieldType.EMAIL:
        schema = {"type": "string", "format": "email", "maxLength": 254, "pattern": shapes.EMAIL}
    elif kind == FieldType.URL:
        schema = {"type": "string", "format": "uri", "maxLength": 2000, "pattern": shapes.URL}
    elif kind == FieldType.PHONE:
        schema = {"type": "string", "maxLength": 40, "pattern": shapes.PHONE}
    elif kind == FieldType.LOOKUP:
        schema = {"type": "integer", "description": f"The id of a record of {definition.target}."}
    else:
        schema = {}
    if definition.help_text and "description" not in schema:
        schema["description"] = definition.help_text
    if not definition.required:
        schema["nullable"] = True
    return schema


class CustomValueFieldExtension(OpenApiSerializerFieldExtension):
    target_class = CustomValueField

    def map_serializer_field(self, auto_schema, direction):
        schema = field_schema(self.target.definition, direction)
        schema.pop("nullable", None)  # drf-spectacular adds it from allow_null.
        return schema


def filter_parameters(fields):
    """OpenAPI parameters (as dicts) of the custom fields' filters (crm.builder.query.filter_custom)."""
    parameters = []
    for name, (definition, lookup) in query.filter_params(fields).items():
        if lookup == "isnull":
            schema = {"type": "boolean"}
            description = f"{definition.label}: empty (true) or not (false)."
        else:
            schema = field_schema(definition)
            schema.pop("nullable", None)
            schema.pop("description", None)
            if definition.type == FieldType.MULTI_CHOICE:
                schema = schema["items"]
            if definition.type in (FieldType.DECIMAL, FieldType.CURRENCY):
                schema.pop("pattern", None)
            if schema.get("type") == "integer":
                schema.pop("minimum", None)
                schema.pop("maximum", None)
            description = {
                "exact": f"{definition.label} is (a multiple choice: includes) this value.",
                "gte": f"{definition.label} ≥ this.",
                "lte": f"{definition.label} ≤ this.",
                "gt": f"{definition.label} > this.",
                "lt": f"{definition.label} < this.",
            }[lookup]
        parameters.append(
            {"in": "query", "name": name, "required": False, "schema": schema, "description": description}
        )
    return parameters
