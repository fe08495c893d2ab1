"""Reads of the admin's access settings: hidden modules and masked fields."""

from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.utils.text import capfirst

from crm.access.models import ModulePermission, SensitiveField
from crm.access.permissions import custom_object_module, modules
from crm.builder import selectors as builder

# The model behind each module whose fields the admin may mask; a module whose
# app is not built yet is left out.
_MODULE_MODELS = {
    "accounts": "accounts.Account",
    "contacts": "contacts.Contact",
    "leads": "leads.Lead",
    "deals": "deals.Deal",
}
# Fields that identify a record or hold its bookkeeping: masking them would
# hide the record itself, not a detail of it.
_NEVER_MASKED = {"id", "name", "first_name", "owner", "created_at", "updated_at"}


def hidden_modules() -> set[tuple[str, str]]:
    """{(role, module)} the admin has hidden."""
    return set(ModulePermission.objects.filter(hidden=True, module__in=modules()).values_list("role", "module"))


def sensitive_fields() -> list[Mapping[str, Any]]:
    """Masked fields ({"module", "field", "hidden_from"}), by module and field; rows
    masked for no role left out."""
    return [
        row
        for row in SensitiveField.objects.order_by("module", "field").values("module", "field", "hidden_from")
        if row["hidden_from"]
    ]


def maskable_fields() -> dict[str, list[tuple[str, str]]]:
    """{module: [(field, label)]}: the fields of each module the admin may mask.
    A built-in module's own fields, then its custom fields; then each live custom
    object's fields. A custom field goes by its api_key (the key masked_fields
    answers and the API, pages and exports mask), hidden ones included (the API
    still serves them)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for module, label in _MODULE_MODELS.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        found[module] = [
            (field.name, capfirst(field.verbose_name))
            for field in model._meta.fields
            if field.editable and not field.is_relation and field.name not in _NEVER_MASKED
        ]
    for module in found:
        found[module] += [(field.api_key, field.label) for field in builder.fields_for(module, include_hidden=True)]
    for name in builder.custom_objects().values_list("name", flat=True):
        fields = [(field.api_key, field.label) for field in builder.fields_for(name, include_hidden=True)]
        if fields:  # an object without fields has nothing to mask (its name never is)
            found[custom_object_module(name)] = fields
    return found
