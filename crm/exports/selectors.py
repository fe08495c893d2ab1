"""Rows of an export: the columns of each kind of record and the values of the
rows the acting user may see, with the fields hidden from their role masked.

The API narrows the queryset with the list's filters and search first; these
selectors narrow it again with `scope.visible`, so an export can never hold a
row the user could not open, whatever queryset it is given.
"""

from crm.access import permissions, scope

# (header, attribute) per kind; an attribute may name a related object's field.
COLUMNS = {
    "accounts": [
        ("id", "id"), ("name", "name"), ("kind", "kind"), ("industry", "industry"), ("region", "region"),
        ("source", "source"), ("level", "level"), ("value_class", "value_class"),
        ("credit_limit", "credit_limit"), ("status", "status"), ("owner", "owner.email"), ("tags", "tags"),
        ("phone", "phone"), ("email", "email"), ("website", "website"),
        ("billing_address", "billing_address"), ("shipping_address", "shipping_address"),
        ("last_contacted_at", "last_contacted_at"), ("created_at", "created_at"),
    ],
    "contacts": [
        ("id", "id"), ("first_name", "first_name"), ("last_name", "last_name"), ("title", "title"),
        ("role", "role"), ("email", "email"), ("phone", "phone"), ("account", "account.name"),
        ("owner", "owner.email"), ("created_at", "created_at"),
    ],
    "leads": [
        ("id", "id"), ("first_name", "first_name"), ("last_name", "last_name"), ("company", "company"),
        ("title", "title"), ("email", "email"), ("phone", "phone"), ("source", "source"),
        ("status", "status"), ("owner", "owner.email"), ("converted_at", "converted_at"),
        ("created_at", "created_at"),
    ],
    "deals": [
        ("id", "id"), ("name", "name"), ("account", "account.name"), ("amount", "amount"),
        ("currency", "currency"), ("pipeline", "pipeline.name"), ("stage", "stage.name"), ("status", "status"),
        ("expected_close_date", "expected_close_date"), ("source", "source"), ("owner", "owner.email"),
        ("lost_reason", "lost_reason"), ("closed_at", "closed_at"), ("created_at", "created_at"),
    ],
}


def _value(record, attribute):
    value = record
    for part in attribute.split("."):
        value = getattr(value, part, None)
        if value is None:
            return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def header(kind):
    return [name for name, _attribute in COLUMNS[kind]]


def export_rows(*, kind, user, queryset, module=None):
    """The rows of `queryset` that `user` may see, as lists of plain values in
    `header(kind)` order; masked fields (of `module`, default `kind`) read as MASK."""
    masked = permissions.masked_fields(user, module or kind)
    columns = COLUMNS[kind]
    for record in scope.visible(queryset, user).iterator(chunk_size=500):
        row = []
        for name, attribute in columns:
            value = _value(record, attribute)
            row.append(permissions.MASK if name in masked and value not in ("", None) else value)
        yield row
