"""Rows of an export: the columns of each kind of record and the values of the
rows the acting user may see, with the fields hidden from their role masked.

The API narrows the queryset with the list's filters and search first; these
selectors narrow it again with `scope.visible`, so an export can never hold a
row the user could not open, whatever queryset it is given.

After the built-in columns come the tenant's custom fields of that object
(crm.builder; those not hidden). `export_table` reads their definitions once,
so header and rows always agree. A custom object is a kind too (its name): its
base columns, then its fields.

An export is read by people (`values="labels"`, the default): the columns are
headed by the fields' labels in the reader's language, a choice reads as its
label, and crm.imports recognises both again. `values="codes"` gives the API's
keys and stored codes instead, for programs. Either way dates and moments stay
date objects (in the reader's zone) and amounts numbers: the writer decides how
a file holds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.access import masking, permissions, scope
from crm.builder import query as builder_query
from crm.builder import selectors as builder
from crm.builder.models import FieldType

if TYPE_CHECKING:
    from crm.builder.selectors import FieldDef
    from crm.users.models import User

# (header, attribute) per kind; an attribute may name a related object's field.
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "accounts": [
        ("id", "id"),
        ("name", "name"),
        ("kind", "kind"),
        ("industry", "industry"),
        ("region", "region"),
        ("source", "source"),
        ("level", "level"),
        ("value_class", "value_class"),
        ("credit_limit", "credit_limit"),
        ("status", "status"),
        ("owner", "owner.email"),
        ("tags", "tags"),
        ("phone", "phone"),
        ("email", "email"),
        ("website", "website"),
        ("billing_address", "billing_address"),
        ("shipping_address", "shipping_address"),
        ("last_contacted_at", "last_contacted_at"),
        ("created_at", "created_at"),
    ],
    "contacts": [
        ("id", "id"),
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("title", "title"),
        ("role", "role"),
        ("email", "email"),
        ("phone", "phone"),
        ("account", "account.name"),
        ("owner", "owner.email"),
        ("created_at", "created_at"),
    ],
    "leads": [
        ("id", "id"),
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("company", "company"),
        ("title", "title"),
        ("email", "email"),
        ("phone", "phone"),
        ("source", "source"),
        ("status", "status"),
        ("owner", "owner.email"),
        ("converted_at", "converted_at"),
        ("created_at", "created_at"),
    ],
    "deals": [
        ("id", "id"),
        ("name", "name"),
        ("account", "account.name"),
        ("amount", "amount"),
        ("currency", "currency"),
        ("pipeline", "pipeline.name"),
        ("stage", "stage.name"),
        ("status", "status"),
        ("expected_close_date", "expected_close_date"),
        ("source", "source"),
        ("owner", "owner.email"),
        ("lost_reason", "lost_reason"),
        ("closed_at", "closed_at"),
        ("created_at", "created_at"),
    ],
}

# The base columns every custom object's table has (crm.builder.ddl.create_table).
CUSTOM_OBJECT_COLUMNS: list[tuple[str, str]] = [
    ("id", "id"),
    ("name", "name"),
    ("owner", "owner.email"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
]


# How an export may be read: by people (labels, the default) or by programs (codes).
VALUES = ("labels", "codes")

# Columns whose label is not their model field's verbose name (a timestamp without
# one, an id), and those of a custom object's table, which has no Django model here.
_LABELS = {
    "id": _("ID"),
    "name": _("Name"),
    "owner": _("Owner"),
    "created_at": _("Created"),
    "updated_at": _("Updated"),
}


def _model(kind: str) -> type[models.Model] | None:
    from crm.accounts.models import Account
    from crm.contacts.models import Contact
    from crm.deals.models import Deal
    from crm.leads.models import Lead

    return {"accounts": Account, "contacts": Contact, "leads": Lead, "deals": Deal}.get(kind)


def _model_field(kind: str, attribute: str) -> models.Field[Any, Any] | None:
    model = _model(kind)
    if model is None:
        return None
    try:
        found = model._meta.get_field(attribute.split(".")[0])
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def column_label(kind: str, name: str, attribute: str) -> str:
    """The header of built-in column `name` of a `kind` export in the active language."""
    if name in _LABELS and name != "name":
        return str(_LABELS[name])
    field = _model_field(kind, attribute)
    if field is not None:
        return str(capfirst(field.verbose_name))
    return str(_LABELS.get(name, name))


def _choice_labels(kind: str, attribute: str) -> dict[Any, str]:
    # {code: label} of a built-in choice column ({} for any other column).
    field = _model_field(kind, attribute) if "." not in attribute else None
    if field is None or not field.choices:
        return {}
    return {code: str(label) for code, label in field.flatchoices}


def columns(kind: str) -> list[tuple[str, str]]:
    """(header, attribute) of the columns before the custom fields: the built-in
    kind's own, or a custom object's base columns."""
    return COLUMNS[kind] if kind in COLUMNS else CUSTOM_OBJECT_COLUMNS


def _value(record: models.Model, attribute: str) -> Any:
    value: Any = record
    for part in attribute.split("."):
        value = getattr(value, part, None)
        if value is None:
            return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return _local(value)


def _local(value: Any) -> Any:
    # A moment in the reader's zone (tenants/time_zones.py activated it), as the pages show it.
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _custom_value(field: FieldDef, value: Any, labels: bool) -> Any:
    # Decimals stay numbers (a spreadsheet sums them); a multi-choice list reads "a, b".
    if value is None:
        return ""
    named = {choice["value"]: choice.get("label") or choice["value"] for choice in field.choices} if labels else {}
    if field.type == FieldType.MULTI_CHOICE:
        return ", ".join(str(named.get(item, item)) for item in value)
    if field.type == FieldType.CHOICE:
        return named.get(value, value)
    return _local(value)


def custom_fields(kind: str) -> list[FieldDef]:
    """The custom fields a `kind` export carries: the object's live fields not hidden."""
    return builder.fields_for(kind)


def header(kind: str, fields: Iterable[FieldDef] | None = None, *, values: str = "labels") -> list[str]:
    """The export's column names: the built-in ones, then the custom fields'; their
    labels in the active language, or (`values="codes"`) their API keys."""
    fields = custom_fields(kind) if fields is None else fields
    if values == "codes":
        return [name for name, _attribute in columns(kind)] + [field.api_key for field in fields]
    return [column_label(kind, name, attribute) for name, attribute in columns(kind)] + [
        field.label or field.api_key for field in fields
    ]


def export_rows(
    *,
    kind: str,
    user: User,
    queryset: QuerySet[models.Model],
    module: str | None = None,
    fields: list[FieldDef] | None = None,
    values: str = "labels",
) -> Iterator[list[Any]]:
    """The rows of `queryset` that `user` may see, as lists of plain values in
    `header(kind, fields)` order; masked fields (of `module`, default `kind`) read as MASK.
    A choice reads as its label unless `values="codes"`."""
    fields = custom_fields(kind) if fields is None else fields
    masked = permissions.masked_fields(user, module or kind)
    base = columns(kind)
    labels = values != "codes"
    named = {name: _choice_labels(kind, attribute) if labels else {} for name, attribute in base}
    # The API's and the lists' querysets come annotated with (some of) the custom
    # columns already, under the same names; only the others are added.
    missing = [field for field in fields if field.api_key not in queryset.query.annotations]
    if missing:
        queryset = builder_query.with_custom_fields(queryset, kind, missing)
    for record in scope.visible(queryset, user).iterator(chunk_size=500):
        row: list[Any] = []
        for name, attribute in base:
            value = _value(record, attribute)
            value = named[name].get(value, value) if named[name] and value != "" else value
            row.append(masking.shown(value) if name in masked else value)
        for field in fields:
            value = _custom_value(field, getattr(record, field.api_key), labels)
            row.append(masking.shown(value) if field.api_key in masked else value)
        yield row


def export_table(
    *,
    kind: str,
    user: User,
    queryset: QuerySet[models.Model],
    module: str | None = None,
    values: str = "labels",
) -> tuple[list[str], Iterator[list[Any]]]:
    """(header, rows) of an export, from one read of the custom fields' definitions."""
    fields = custom_fields(kind)
    rows = export_rows(kind=kind, user=user, queryset=queryset, module=module, fields=fields, values=values)
    return header(kind, fields, values=values), rows
