"""Custom columns in ORM querysets: annotations named after the fields
(docs/decisions/008), so filter, order_by, values and search work on them like
on model fields and PostgreSQL uses the column's index."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.expressions import Col
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from crm.builder.definitions import FieldDef, fields_for
from crm.builder.models import FieldType

_RANGES = ("gte", "lte", "gt", "lt")
_RANGED = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.CURRENCY, FieldType.DATE, FieldType.DATETIME})


def output_field(field: FieldDef) -> models.Field[Any, Any]:
    """The Django field type of a custom column's values."""
    kind = field.type
    if kind in (FieldType.TEXT, FieldType.CHOICE, FieldType.EMAIL, FieldType.URL, FieldType.PHONE):
        return models.CharField(max_length=field.max_length or 255)
    if kind == FieldType.LONG_TEXT:
        return models.TextField()
    if kind in (FieldType.INTEGER, FieldType.LOOKUP):
        return models.BigIntegerField()
    if kind in (FieldType.DECIMAL, FieldType.CURRENCY):
        return models.DecimalField(max_digits=18, decimal_places=field.decimal_places)
    if kind == FieldType.DATE:
        return models.DateField()
    if kind == FieldType.DATETIME:
        return models.DateTimeField()
    if kind == FieldType.BOOLEAN:
        return models.BooleanField()
    if kind == FieldType.MULTI_CHOICE:
        return ArrayField(models.CharField(max_length=100))
    raise ValueError(f"unknown field type {kind!r}")


class CustomColumn(Col):
    """A column the model does not declare, of the query's base table under
    whatever alias the query gives that table (also inside subqueries)."""

    def __init__(self, column: str, output_field: models.Field[Any, Any]) -> None:
        output_field.set_attributes_from_name(column)
        super().__init__(None, output_field)  # type: ignore[arg-type]  # its alias comes from the query

    def resolve_expression(
        self,
        query: Any = None,
        allow_joins: bool = True,
        reuse: Any = None,
        summarize: bool = False,
        for_save: bool = False,
    ) -> CustomColumn:
        clone = self.copy()
        clone.alias = query.get_initial_alias()
        return clone

    @property
    def identity(self) -> tuple[Any, ...]:
        # The output field is not attached to a model, which Expression.identity expects.
        return (type(self), self.alias, self.target.column, type(self.output_field))

    def relabeled_clone(self, relabels: Mapping[str, str]) -> CustomColumn:
        clone = self.copy()
        clone.alias = relabels.get(self.alias, self.alias)
        return clone


def column(field: FieldDef) -> CustomColumn:
    """The expression of a custom field's column, to annotate a queryset with."""
    return CustomColumn(field.column, output_field(field))


def with_custom_fields(
    queryset: QuerySet[Any], object_name: str, fields: Sequence[FieldDef] | None = None
) -> QuerySet[Any]:
    """`queryset` with each custom field's column as the annotation `api_key`
    (`fields`: FieldDefs already read this request; default: every live one)."""
    if fields is None:
        fields = fields_for(object_name, include_hidden=True)
    if not fields:
        return queryset
    return queryset.annotate(**{field.api_key: column(field) for field in fields})


def _parse(field: FieldDef, text: str) -> Any:
    kind = field.type
    if kind in (FieldType.INTEGER, FieldType.LOOKUP):
        try:
            value = int(text)
        except ValueError:
            raise ValidationError(_("A whole number is required.")) from None
        if not -(2**63) <= value < 2**63:
            raise ValidationError(_("This number is too large."))
        return value
    if kind in (FieldType.DECIMAL, FieldType.CURRENCY):
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("A number is required.")) from None
        if not amount.is_finite() or abs(amount) >= Decimal(10) ** 18:
            raise ValidationError(_("A number is required."))
        return amount
    if kind == FieldType.DATE:
        try:
            day = parse_date(text)
        except ValueError:
            day = None
        if day is None:
            raise ValidationError(_("Enter a date (YYYY-MM-DD)."))
        return day
    if kind == FieldType.DATETIME:
        try:
            moment = parse_datetime(text)
        except ValueError:
            moment = None
        if moment is None:
            try:
                date_only = parse_date(text)
            except ValueError:
                date_only = None
            if date_only is None:
                raise ValidationError(_("Enter a date and time (ISO 8601)."))
            moment = datetime.datetime.combine(date_only, datetime.time())
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.get_default_timezone())
        return moment
    if kind == FieldType.BOOLEAN:
        if text.lower() not in ("true", "false", "1", "0"):
            raise ValidationError(_("Must be true or false."))
        return text.lower() in ("true", "1")
    if "\x00" in text:
        raise ValidationError(_("Null characters are not allowed."))
    return text


def filter_params(fields: Sequence[FieldDef]) -> dict[str, tuple[FieldDef, str]]:
    """The query parameters filter_custom reads: {parameter: (field, lookup)}."""
    params: dict[str, tuple[FieldDef, str]] = {}
    for field in fields:
        if not field.filterable:
            continue
        params[field.api_key] = (field, "exact")
        params[f"{field.api_key}__isnull"] = (field, "isnull")
        if field.type in _RANGED:
            for lookup in _RANGES:
                params[f"{field.api_key}__{lookup}"] = (field, lookup)
    return params


def filter_custom(queryset: QuerySet[Any], fields: Sequence[FieldDef], params: Mapping[str, Any]) -> QuerySet[Any]:
    """`queryset` (annotated by with_custom_fields) narrowed by `?<name>=` (exact;
    a multi-choice field: has that value), `?<name>__gte=` / `__lte` / `__gt` /
    `__lt` (numbers, dates, times) and `?<name>__isnull=true|false`. An empty
    value means "not given"; a value of the wrong type is a ValidationError
    naming the parameter."""
    errors: dict[str, list[str]] = {}
    for param, (field, lookup) in filter_params(fields).items():
        text = params.get(param)
        if text is None or text == "":
            continue
        try:
            if lookup == "isnull":
                if text.lower() not in ("true", "false", "1", "0"):
                    raise ValidationError(_("Must be true or false."))
                empty = text.lower() in ("true", "1")
                condition = Q(**{f"{field.api_key}__isnull": True})
                if field.type == FieldType.MULTI_CHOICE:
                    condition |= Q(**{field.api_key: []})
                queryset = queryset.filter(condition if empty else ~condition)
                continue
            value = _parse(field, text)
        except ValidationError as exc:
            errors[param] = exc.messages
            continue
        if field.type == FieldType.MULTI_CHOICE:
            queryset = queryset.filter(**{f"{field.api_key}__contains": [value]})
        else:
            queryset = queryset.filter(**{field.api_key if lookup == "exact" else f"{field.api_key}__{lookup}": value})
    if errors:
        raise ValidationError(errors)
    return queryset


def search_condition(fields: Sequence[FieldDef], term: str) -> Q | None:
    """A Q matching `term` (case-insensitively, anywhere) in any text-like custom field, or None."""
    condition: Q | None = None
    for field in fields:
        if field.searchable:
            part = Q(**{f"{field.api_key}__icontains": term})
            condition = part if condition is None else condition | part
    return condition


def ordering_keys(fields: Sequence[FieldDef]) -> list[str]:
    """The names a list may be sorted by (`?ordering=<name>` / `-<name>`)."""
    return [field.api_key for field in fields if field.sortable]
