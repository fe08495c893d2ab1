"""Masking on read: what a user reads of a field the admin hid from their role.

crm.access.permissions.masked_fields decides which fields of a module a user
sees masked; this module is the one place that applies that decision to what
is read, whichever way it leaves: a record as a page shows it (MaskedRecord), a
record as the API or an export writes it ({name: value}, masked_values), an
audit row's payload (masked_payload) and a sum or other aggregate of a field
(hides: a selector that aggregates a field the user sees masked answers None
for it, never the number). The API (api/sensitive.py) and the pages
(crm/web/masking.py) are adapters over these functions; selectors that
aggregate (crm.deals.selectors.kanban, summary, weighted_totals) call `hides`
themselves, so every reader of the aggregate gets it masked.
docs/decisions/012-masking-on-read.md says why here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django.contrib.auth.models import AnonymousUser

from crm.access.permissions import MASK, masked_fields
from crm.users.models import User

__all__ = ["MASK", "MaskedRecord", "hides", "masked_payload", "masked_values", "matchable", "shown"]

# What a field holds when it holds nothing; such a value is shown as it is, so
# "no phone" and "a hidden phone" stay distinguishable.
_EMPTY: tuple[object, ...] = (None, "", [], ())


def shown(value: object) -> object:
    """A masked field's value as it is read: MASK, or nothing when it holds nothing."""
    return value if value in _EMPTY else MASK


def hides(user: User | AnonymousUser | None, module: str, field: str) -> bool:
    """Whether `user` sees `field` of `module` masked (a caller that is no user, a
    task, sees everything). An aggregate of such a field (a sum, an average, a
    total weighted by probability) would tell the values (one record in a group
    is enough), so a selector answers None for it instead; counts stay."""
    return user is not None and field in masked_fields(user, module)


def matchable(user: User | AnonymousUser | None, module: str, keys: Mapping[str, str]) -> dict[str, str]:
    """Of `keys` ({field: what a record is compared on by that field}), those a
    search or a duplicate check may compare for `user`: a match on a field
    `user` sees masked ("Same email as #12") would confirm its hidden value as
    surely as showing it, so such fields are left out; as are empty keys."""
    masked = masked_fields(user, module) if user is not None else set()
    return {field: key for field, key in keys.items() if key and field not in masked}


def masked_values(values: Mapping[str, Any], masked: Collection[str]) -> dict[str, Any]:
    """`values` ({field: value}, a record as the API or an export writes it) with
    each `masked` field that holds a value read as MASK."""
    return {name: shown(value) if name in masked else value for name, value in values.items()}


def masked_payload(payload: Any, masked: Collection[str]) -> Any:
    """An audit row's payload as a user with `masked` fields may read it: an
    update's [old, new] of a masked field, and the "old" and "new" of a masked
    custom field's {"label", "old", "new"}, read MASK where they hold a value.
    The pages' history cards and the API's history use it."""
    if not isinstance(payload, dict):
        return payload
    result: dict[str, Any] = {}
    for key, value in payload.items():
        if key in masked and isinstance(value, dict):
            # A custom field's change: its label is no secret.
            result[key] = {part: shown(v) if part in ("old", "new") else v for part, v in value.items()}
        elif key in masked:
            result[key] = [shown(v) for v in value] if isinstance(value, list) else shown(value)
        elif isinstance(value, dict):
            result[key] = masked_payload(value, masked)
        else:
            result[key] = value
    return result


class MaskedRecord:
    """A read-only view of a model instance in which the `masked` fields read
    MASK (when they hold a value), as do their get_<field>_display() and any
    property or __str__ of the model computed from them (a contact's name from
    a masked last name). Everything else reads through to the instance; the
    instance itself is never changed, and the view cannot be saved: an instance
    with MASK written into a field would be one save() away from overwriting
    the real value."""

    __slots__ = ("_masked", "_overrides", "_record")

    def __init__(self, record: Any, masked: Collection[str], overrides: Mapping[str, Any] | None = None) -> None:
        object.__setattr__(self, "_record", record)
        object.__setattr__(self, "_masked", frozenset(masked))
        object.__setattr__(self, "_overrides", dict(overrides or {}))

    def __getattr__(self, name: str) -> Any:
        record = self._record
        if name in self._overrides:
            return self._overrides[name]
        if name in self._masked:
            return shown(getattr(record, name))
        if name.startswith("get_") and name.endswith("_display") and name[4:-8] in self._masked:
            value = getattr(self, name[4:-8])
            return (lambda: value) if value == MASK else getattr(record, name)
        attribute = getattr(type(record), name, None)
        if isinstance(attribute, property) and attribute.fget is not None:
            # Computed from this view, so a masked field stays masked in it.
            return attribute.fget(self)
        return getattr(record, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a masked record is read-only")

    def save(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a masked record is for display only")

    delete = save

    def __str__(self) -> str:
        # The model's own __str__, run on this view: a name made of masked fields reads masked.
        to_text: Any = type(self._record).__str__
        return str(to_text(self))

    def __eq__(self, other: object) -> bool:
        return bool(self._record == getattr(other, "_record", other))

    def __hash__(self) -> int:
        return hash(self._record)
