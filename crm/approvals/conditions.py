"""Step conditions: a small typed list evaluated against the values a kind gives
for its subject ("amount above 100000", "stage is Proposal").

A condition is stored as {"field", "op", "value"}: `value` is a string (a
decimal written with a dot, a text, a user id) or, for "in", a list of them.
A step applies when all its conditions hold; a value the subject does not have
(missing or None) holds no condition, so such a step is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.approvals.registry import Kind, ValueType

# Operators and how the settings page words them.
OPERATORS = {
    "gt": gettext_lazy("above"),
    "gte": gettext_lazy("at least"),
    "lt": gettext_lazy("below"),
    "lte": gettext_lazy("at most"),
    "eq": gettext_lazy("is"),
    "ne": gettext_lazy("is not"),
    "in": gettext_lazy("is one of"),
}
NUMERIC = frozenset({"gt", "gte", "lt", "lte"})
MAX_CONDITIONS = 10


def clean(raw: Any, kind: Kind | None) -> list[dict[str, Any]]:
    """`raw` as a list of normalised conditions, or a ValidationError whose
    messages say which condition is wrong. With a registered kind the field
    must be one of its fields and the value of its type."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or len(raw) > MAX_CONDITIONS:
        raise ValidationError(_("Give at most %(count)d conditions as a list.") % {"count": MAX_CONDITIONS})
    return [_clean_one(index, item, kind) for index, item in enumerate(raw, start=1)]


def _clean_one(index: int, item: Any, kind: Kind | None) -> dict[str, Any]:
    def wrong(message: str) -> ValidationError:
        return ValidationError(_("Condition %(number)d: %(message)s") % {"number": index, "message": message})

    if not isinstance(item, Mapping):
        raise wrong(_("give a field, an operator and a value."))
    name, op, value = item.get("field"), item.get("op"), item.get("value")
    if not isinstance(name, str) or not name.isidentifier() or len(name) > 60:
        raise wrong(_("name a field."))
    declared = kind.field(name) if kind is not None else None
    if kind is not None and kind.fields and declared is None:
        raise wrong(_("this kind has no field by that name."))
    if op not in OPERATORS:
        raise wrong(_("choose an operator."))
    value_type: ValueType | None = declared.type if declared else None
    if op in NUMERIC and value_type not in (None, "decimal"):
        raise wrong(_("only amounts and numbers can be above or below."))
    if op == "in":
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list) or not value:
            raise wrong(_("give one or more values."))
        values = [_clean_value(v, value_type or "text", wrong) for v in value]
        return {"field": name, "op": op, "value": values}
    if op in NUMERIC:
        value_type = "decimal"
    return {"field": name, "op": op, "value": _clean_value(value, value_type or "text", wrong)}


def _clean_value(value: Any, value_type: ValueType, wrong: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise wrong(_("give a value."))
    text = str(value).strip()
    if not text or len(text) > 200:
        raise wrong(_("give a value."))
    if value_type == "decimal":
        number = _decimal(text)
        if number is None:
            raise wrong(_("give a number such as 100000 or 0.15."))
        return str(number)
    if value_type == "user" and not text.isdigit():
        raise wrong(_("choose a user."))
    return text


def all_met(conditions: Iterable[Mapping[str, Any]], values: Mapping[str, Any], kind: Kind | None) -> bool:
    """Whether every condition holds for `values` (no conditions: yes)."""
    return all(_met(condition, values, kind) for condition in conditions)


def _met(condition: Mapping[str, Any], values: Mapping[str, Any], kind: Kind | None) -> bool:
    name, op, expected = condition["field"], condition["op"], condition["value"]
    actual = values.get(name)
    if actual is None:
        return False
    declared = kind.field(name) if kind is not None else None
    numeric = op in NUMERIC or (declared is not None and declared.type == "decimal")
    if numeric:
        have = _decimal(actual)
        wanted = [_decimal(v) for v in expected] if op == "in" else [_decimal(expected)]
        if have is None or any(w is None for w in wanted):
            return False
        return _compare(op, have, wanted)
    have_text = _text(actual)
    return _compare(op, have_text, [_text(v) for v in expected] if op == "in" else [_text(expected)])


def _compare(op: str, have: Any, wanted: list[Any]) -> bool:
    first = wanted[0]
    if op == "gt":
        return bool(have > first)
    if op == "gte":
        return bool(have >= first)
    if op == "lt":
        return bool(have < first)
    if op == "lte":
        return bool(have <= first)
    if op == "eq":
        return bool(have == first)
    if op == "ne":
        return bool(have != first)
    return have in wanted


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _text(value: Any) -> str:
    # A user (or any record) compares by its id; texts ignoring case and spaces around.
    return str(getattr(value, "pk", value)).strip().casefold()


def describe(condition: Mapping[str, Any], kind: Kind | None) -> str:
    """A condition as the pages show it: "Amount above 100000"."""
    declared = kind.field(condition["field"]) if kind is not None else None
    label = str(declared.label) if declared else condition["field"]
    value = condition["value"]
    shown = ", ".join(value) if isinstance(value, list) else value
    return f"{label} {OPERATORS.get(condition['op'], condition['op'])} {shown}"
