from crm.audit.models import AuditEvent


def record(*, actor, action, target, payload=None):
    """Append an audit row. Call it inside the transaction of the change it describes."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        payload=payload or {},
    )


def changes(instance, fields, values):
    """{field: [old, new]} for the fields that `values` would change, as JSON-safe strings."""
    diff = {}
    for field in fields:
        if field in values:
            old = getattr(instance, field)
            new = values[field]
            if old != new:
                diff[field] = [_plain(old), _plain(new)]
    return diff


def _plain(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(getattr(value, "pk", value))
