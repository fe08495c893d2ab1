"""The built-in objects a tenant can add fields to, their tables, and the names
their fields already use (docs/decisions/008, "Names and collisions")."""

from collections.abc import Iterator, KeysView

from django.apps import apps
from django.db import models

# Object name (as in the API's URLs) -> model label. Products and tickets join
# here when they exist.
_BUILTIN_LABELS = {
    "accounts": "accounts.Account",
    "contacts": "contacts.Contact",
    "leads": "leads.Lead",
    "deals": "deals.Deal",
}

# Keys the API or the lists use on each object that are not model fields
# (serializer-only fields, filters, annotations of selectors). crm/ cannot read
# api/'s serializers, so they are listed here; tests/api/test_custom_fields.py
# checks that every key the API serves is covered.
_API_KEYS = {
    "accounts": {"watched", "primary_contact", "tag", "in_pool", "level_rank"},
    "contacts": {"accounts", "company_name", "related_account", "link_role", "is_primary_here"},
    "leads": {"name", "phone_tail"},
    "deals": {"is_paused", "probability", "rank", "count", "total", "weighted"},
}

# Query parameters every list reads; a field of that name could not be filtered.
RESERVED_NAMES = frozenset(
    {
        "id",
        "pk",
        "page",
        "page_size",
        "ordering",
        "search",
        "format",
        "force",
        "fields",
        "expand",
        "q",
        "object",
        "objects",
        "type",
        "deleted",
        "export",
        "limit",
        "offset",
        "cursor",
    }
)
# The base columns of every custom object's table (crm.builder.ddl.create_table).
CUSTOM_OBJECT_BASE_NAMES = frozenset({"id", "name", "owner", "owner_id", "created_at", "updated_at"})


class _BuiltinObjects(dict[str, type[models.Model]]):
    # Resolved lazily: the models are not loaded when this module is imported by apps.py-time code.
    def __missing__(self, key: str) -> type[models.Model]:
        if key not in _BUILTIN_LABELS:
            raise KeyError(key)
        model = apps.get_model(_BUILTIN_LABELS[key])
        self[key] = model
        return model

    def __contains__(self, key: object) -> bool:
        return key in _BUILTIN_LABELS

    def __iter__(self) -> Iterator[str]:
        return iter(_BUILTIN_LABELS)

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        return _BUILTIN_LABELS.keys()

    def items(self) -> list[tuple[str, type[models.Model]]]:  # type: ignore[override]
        return [(name, self[name]) for name in _BUILTIN_LABELS]

    def values(self) -> list[type[models.Model]]:  # type: ignore[override]
        return [self[name] for name in _BUILTIN_LABELS]

    def __len__(self) -> int:
        return len(_BUILTIN_LABELS)


BUILTIN_OBJECTS = _BuiltinObjects()


def is_builtin(object_name: str) -> bool:
    """Whether `object_name` is one of the CRM's own objects (accounts, contacts, ...)."""
    return object_name in _BUILTIN_LABELS


def table_for(object_name: str) -> str:
    """The table holding `object_name`'s records (a built-in's, or `cx_<name>`)."""
    if is_builtin(object_name):
        return BUILTIN_OBJECTS[object_name]._meta.db_table
    return f"cx_{object_name}"


def object_name_for_model(model: type[models.Model] | models.Model) -> str | None:
    """The builder's name of a built-in model ("contacts" for Contact), or None."""
    label = (model._meta.concrete_model or model)._meta.label
    return next((name for name, known in _BUILTIN_LABELS.items() if known == label), None)


def model_field_names(model: type[models.Model]) -> set[str]:
    """Every name the ORM knows on `model`: fields, their attnames, reverse relations.
    An annotation may not reuse any of them."""
    names: set[str] = set()
    for field in model._meta.get_fields():
        names.add(field.name)
        if hasattr(field, "attname"):
            names.add(field.attname)
    return names


def builtin_names(object_name: str) -> frozenset[str]:
    """The reserved names of an object: its model's field names and the API's keys for it."""
    if is_builtin(object_name):
        return frozenset(model_field_names(BUILTIN_OBJECTS[object_name]) | _API_KEYS[object_name])
    return CUSTOM_OBJECT_BASE_NAMES
