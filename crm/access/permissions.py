"""What a role may do beyond record scope: administer, use a module, read a field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.access.models import ModulePermission, SensitiveField
from crm.builder.selectors import custom_objects
from crm.users.models import Role, User
from tenants import memo

# Built-in modules an admin can hide from other roles: those that exist (the
# API's resources and the pages group into these). A module joins this list in
# the change that builds it, not before: the module grid and the API offer
# exactly these (and the tenant's custom objects, modules()).
AVAILABLE_MODULES = (
    "accounts",
    "contacts",
    "leads",
    "deals",
    "approvals",
    "activities",
    "pool",
    "products",
    "quotes",
    "orders",
)
# Every name of a built-in module, those built and those still to come
# (ARCHITECTURE.md, "Growing the house"): the builder refuses them all as custom
# object names, so no tenant's object takes the name of a module that arrives later.
MODULES = (
    *AVAILABLE_MODULES,
    "contracts",
    "invoices",
    "payments",
    "tickets",
    "reports",
)
MASK = "••••••"


def custom_object_module(object_name: str) -> str:
    """The module of a custom object (crm.builder): the object's own name. The
    builder refuses object names that are MODULES, so the two never meet; and
    the name fits ModulePermission.module (40 characters) as it is."""
    return object_name


def modules() -> tuple[str, ...]:
    """Every module an admin can hide: AVAILABLE_MODULES, then each live custom
    object of the tenant (one query)."""
    names = custom_objects().values_list("name", flat=True)
    return AVAILABLE_MODULES + tuple(custom_object_module(name) for name in names)


def may_administer(user: User | AnonymousUser) -> bool:
    """Users, teams, seats, settings and customization are the admin's."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.ADMIN)


def may_manage_catalog(user: User | AnonymousUser) -> bool:
    """The catalogue (products, categories, price lists) and document settings
    are the company's: admins and directors change them, others read them."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role in (Role.ADMIN, Role.DIRECTOR)
        and may_use_module(user, "products")
    )


def may_use_module(user: User | AnonymousUser, module: str) -> bool:
    """Whether `user` may use `module` (a name of MODULES or a custom object's
    custom_object_module); a name that is no module is not hidden. Rows of a
    custom object are removed when it is purged, so a later object of the same
    name starts visible."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.role == Role.ADMIN:
        return True
    return module not in hidden_modules(user.role)


def hidden_modules(role: str) -> frozenset[str]:
    """The modules the admin hid from `role`, read once per request (a page asks
    for its own module and the sidebar for all of them)."""
    return memo.remember(
        ("hidden_modules", role),
        lambda: frozenset(ModulePermission.objects.filter(role=role, hidden=True).values_list("module", flat=True)),
    )


def usable_modules(user: User | AnonymousUser) -> set[str]:
    """The modules of modules() `user` may use, as may_use_module answers for each,
    in two queries (the sidebar asks about all of them on every page)."""
    if not (user.is_authenticated and user.is_active):
        return set()
    if user.role == Role.ADMIN:
        return set(modules())
    return set(modules()) - hidden_modules(user.role)


def masked_fields(user: User | AnonymousUser, module: str) -> set[str]:
    """Fields of `module` that `user` sees masked and may not write: the one
    decision of what is masked for whom. crm.access.masking applies it to every
    read (records, payloads, aggregates), check_writable to every write."""
    if not user.is_authenticated or user.role == Role.ADMIN:
        return set()
    rows = memo.remember(
        ("sensitive_fields", module),
        lambda: tuple(SensitiveField.objects.filter(module=module).values_list("field", "hidden_from")),
    )
    return {field for field, roles in rows if user.role in roles}


def check_writable(user: Any, module: str, names: Iterable[str]) -> None:
    """ValidationError naming each of the fields `names` of `module` that `user`
    sees masked: a role may not write a field hidden from it, on a create or an
    update, built-in or custom, whichever way the write comes (the record
    services call this; a caller that is no user, a task, is not limited)."""
    if user is None:
        return
    refused = sorted(set(names) & masked_fields(user, module))
    if refused:
        raise ValidationError({name: [_("You cannot change this field.")] for name in refused})


def writable_values(user: Any, module: str, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(`values` without the fields of `module` that `user` sees masked, the names
    left out): for writes whose values `user` did not type (a lead's, copied
    into what it converts into), which leave a masked field as it is instead of
    failing."""
    masked = masked_fields(user, module) if user is not None else set()
    return {k: v for k, v in values.items() if k not in masked}, sorted(set(values) & masked)
