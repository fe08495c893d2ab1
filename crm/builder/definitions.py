"""FieldDef: one custom field as the rest of the CRM sees it, and the live ones of
an object, read once per request (docs/decisions/008). Both the selectors and
the query annotations (crm.builder.query) build on it, so it imports neither."""

from collections.abc import Collection
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import Any

from crm.builder import objects
from crm.builder.models import CustomField, FieldType
from tenants import memo

TEXT_LIKE = frozenset({FieldType.TEXT, FieldType.LONG_TEXT, FieldType.EMAIL, FieldType.URL, FieldType.PHONE})
NUMERIC = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.CURRENCY})
# Types without an index, and those a list cannot be sorted by.
_NOT_FILTERABLE = frozenset({FieldType.LONG_TEXT})
_NOT_SORTABLE = frozenset({FieldType.LONG_TEXT, FieldType.MULTI_CHOICE})


@dataclass(frozen=True)
class FieldDef:
    """One custom field as the rest of the CRM sees it. `api_key` is the key of
    the value in the API, the forms and the annotated querysets: the field's
    name, or its column's when a built-in field took that name later."""

    name: str
    label: str
    type: str
    column: str
    api_key: str
    required: bool = False
    unique: bool = False
    default: object = None
    help_text: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    max_length: int | None = None
    decimal_places: int = 2
    choices: list = dataclass_field(default_factory=list)
    target: str = ""
    position: int = 0
    hidden: bool = False
    filterable: bool = True
    sortable: bool = True
    searchable: bool = False
    object_name: str = ""
    id: int | None = None

    @property
    def choice_values(self) -> list[Any]:
        return [choice["value"] for choice in self.choices]


def field_def(custom_field: CustomField, reserved: Collection[str] | None = None) -> FieldDef:
    """The FieldDef of a CustomField row (`reserved`: the object's built-in names, read once per list)."""
    if reserved is None:
        reserved = objects.builtin_names(custom_field.object_name)
    kind = custom_field.type
    return FieldDef(
        name=custom_field.name,
        label=custom_field.label,
        type=kind,
        column=custom_field.column,
        api_key=custom_field.column if custom_field.name in reserved else custom_field.name,
        required=custom_field.required,
        unique=custom_field.unique,
        default=custom_field.default,
        help_text=custom_field.help_text,
        min_value=custom_field.min_value,
        max_value=custom_field.max_value,
        max_length=custom_field.max_length,
        decimal_places=custom_field.decimal_places,
        choices=list(custom_field.choices or []),
        target=custom_field.target,
        position=custom_field.position,
        hidden=custom_field.hidden,
        filterable=kind not in _NOT_FILTERABLE,
        sortable=kind not in _NOT_SORTABLE,
        searchable=kind in TEXT_LIKE,
        object_name=custom_field.object_name,
        id=custom_field.pk,
    )


def fields_for(object_name: str, *, include_hidden: bool = False) -> list[FieldDef]:
    """The live (not deleted) custom fields of `object_name` in position order, as
    FieldDefs, read once per request (the list, its filters and its columns ask)."""
    every = memo.remember(("custom_fields", object_name), lambda: tuple(_fields_for(object_name)))
    return [f for f in every if include_hidden or not f.hidden]


def _fields_for(object_name: str) -> list[FieldDef]:
    rows = CustomField.objects.filter(object_name=object_name, deleted_at__isnull=True)
    reserved = objects.builtin_names(object_name)
    return [field_def(row, reserved) for row in rows.order_by("position", "id")]
