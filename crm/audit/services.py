from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import models

from crm.audit.models import AuditEvent

if TYPE_CHECKING:
    from crm.users.models import User


def record(
    *,
    actor: User | None,
    action: str,
    target: models.Model,
    payload: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit row. Call it inside the transaction of the change it describes."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        payload=payload or {},
    )


def changes(instance: models.Model, fields: Iterable[str], values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that `values` would change, as JSON-safe strings."""
    diff: dict[str, list[Any]] = {}
    for field in fields:
        if field in values:
            old = getattr(instance, field)
            new = values[field]
            if old != new:
                diff[field] = [_plain(old), _plain(new)]
    return diff


def _plain(value: object) -> bool | int | str | None:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(getattr(value, "pk", value))
