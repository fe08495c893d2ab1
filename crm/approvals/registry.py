"""The kinds of subject the approval engine knows, by name.

A domain app registers each of its kinds once, in its AppConfig.ready(), with
one explicit call (docs/decisions/010):

    registry.register(kind="deal_registration", label=_("Deal registration"), values=...,
                      get_for_user=..., get=..., on_decided=..., url=..., fields=...)

The engine imports no domain package: everything it needs to know about a
subject goes through these callables.
- `values(subject) -> dict`: what a flow's step conditions are evaluated
  against (snapshotted on the request at submission); JSON-able after
  DjangoJSONEncoder (Decimal, date, str, int).
- `get_for_user(user, id) -> subject`: the subject as `user` may see it, or
  Http404 (missing and out of scope alike).
- `get(id) -> subject`: the subject whoever looks (the engine's own reads:
  telling the kind of a decision whoever decided); raises ObjectDoesNotExist
  or Http404 when it is gone.
- `on_decided(subject, outcome, by)`: called inside the transaction that
  closes a request, with outcome "approved", "rejected", "returned" or
  "withdrawn"; `by` is None when the engine decided alone (no step applied).
- `url(subject) -> str`: the subject's page in the UI.
- `fields`: the values a condition may test, with their type, for the
  settings page and to check conditions when a flow is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _

ValueType = Literal["decimal", "text", "user"]
Outcome = Literal["approved", "rejected", "returned", "withdrawn"]


@dataclass(frozen=True)
class ValueField:
    """One value of a kind that a step condition may test."""

    name: str
    label: str | Promise
    type: ValueType = "text"
    # The record field the value is a copy of, as (module, field): a reader who
    # sees that field masked reads the value masked too (crm.approvals.selectors.values_seen_by).
    masked_as: tuple[str, str] | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    label: str | Promise
    values: Callable[[Any], Mapping[str, Any]]
    get_for_user: Callable[[Any, Any], Any]
    get: Callable[[Any], Any]
    on_decided: Callable[[Any, str, Any], None]
    url: Callable[[Any], str]
    fields: tuple[ValueField, ...] = field(default=())
    # The steps of the kind while the admin has set up no flow for it; None: the
    # engine's default (the submitter's manager). () : approved on submission.
    default_steps: tuple[dict[str, Any], ...] | None = None

    def field(self, name: str) -> ValueField | None:
        return next((f for f in self.fields if f.name == name), None)


_KINDS: dict[str, Kind] = {}


def register(
    *,
    kind: str,
    label: str | Promise,
    values: Callable[[Any], Mapping[str, Any]],
    get_for_user: Callable[[Any, Any], Any],
    get: Callable[[Any], Any],
    on_decided: Callable[[Any, str, Any], None],
    url: Callable[[Any], str],
    fields: tuple[ValueField, ...] | list[ValueField] = (),
    default_steps: tuple[dict[str, Any], ...] | None = None,
) -> Kind:
    """Make `kind` known to the engine. Registering a name twice is a
    programming error (two apps claiming one kind), raised at start-up."""
    if not kind.isidentifier() or len(kind) > 60:
        raise ImproperlyConfigured(f"approval kind {kind!r}: use an identifier of at most 60 characters")
    if kind in _KINDS:
        raise ImproperlyConfigured(f"approval kind {kind!r} is registered twice")
    _KINDS[kind] = Kind(
        name=kind,
        label=label,
        values=values,
        get_for_user=get_for_user,
        get=get,
        on_decided=on_decided,
        url=url,
        fields=tuple(fields),
        default_steps=default_steps,
    )
    return _KINDS[kind]


def kind_of(name: str) -> Kind:
    """The registered kind `name`; a ValidationError on `kind` when there is none."""
    try:
        return _KINDS[name]
    except (KeyError, TypeError):
        raise ValidationError({"kind": [_("No such kind of approval.")]}) from None


def is_registered(name: str) -> bool:
    return name in _KINDS


def kinds() -> list[Kind]:
    """Every registered kind, by name."""
    return sorted(_KINDS.values(), key=lambda k: k.name)
