"""Custom fields in an import: file cells (always text) turned into the JSON-like
values crm.builder.values.clean_value checks, so a cell is judged by the same
rules as an API write and a bad one is refused with the field's own message.

A cell that cannot be read as the field's type is passed on as the text it is:
clean_value then refuses it ("A whole number is required.") under the field's
name, which is what the row's reason should say.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from crm.builder.models import FieldType
from crm.builder.values import MISSING
from crm.imports.headers import loose

if TYPE_CHECKING:
    from crm.builder.selectors import FieldDef

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def _integer(text: str) -> int | str:
    try:
        return int(text.replace(" ", "").replace(",", ""))
    except ValueError:
        return text


def _boolean(text: str) -> bool | str:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return text


def _date(text: str) -> str:
    # A spreadsheet's date cell reads as "2025-01-31 00:00:00" (crm/imports/readers.py).
    if len(text) == 19 and text.endswith(" 00:00:00"):
        return text[:10]
    return text


def _multi_choice(text: str) -> list[str]:
    # "a, b; c": a spreadsheet cell lists several choices separated by commas or semicolons.
    return [item.strip() for item in text.replace(";", ",").split(",") if item.strip()]


_READERS: dict[str, Callable[[str], object]] = {
    FieldType.INTEGER: _integer,
    FieldType.LOOKUP: _integer,
    FieldType.BOOLEAN: _boolean,
    FieldType.DATE: _date,
    FieldType.MULTI_CHOICE: _multi_choice,
}


def _chosen(field: FieldDef, text: str) -> str:
    # A choice by its value, or by its label (an export for people writes labels).
    if text in field.choice_values:
        return text
    for choice in field.choices:
        if choice.get("label") and loose(str(choice["label"])) == loose(text):
            return str(choice["value"])
    return text


def from_cell(field: FieldDef, text: str) -> object:
    """The value of one cell for `field` (a FieldDef): MISSING for an empty cell
    (the record keeps its value, or gets the field's default)."""
    if text == "":
        return MISSING
    reader = _READERS.get(field.type)
    value = reader(text) if reader else text
    if field.type == FieldType.CHOICE:
        return _chosen(field, text)
    if field.type == FieldType.MULTI_CHOICE and isinstance(value, list):
        return [_chosen(field, item) for item in value]
    return value
