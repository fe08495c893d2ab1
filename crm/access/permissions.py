"""What a role may do beyond record scope: administer, use a module, read a field."""

from crm.access.models import ModulePermission, SensitiveField
from crm.users.models import Role

# Modules an admin can hide from other roles (the API's resources group into these).
MODULES = (
    "accounts", "contacts", "leads", "deals", "activities", "pool",
    "products", "quotes", "orders", "contracts", "invoices", "payments", "tickets", "reports",
)
MASK = "••••••"


def may_administer(user):
    """Users, teams, seats, settings and customization are the admin's."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.ADMIN)


def may_use_module(user, module):
    if not (user.is_authenticated and user.is_active):
        return False
    if user.role == Role.ADMIN or module not in MODULES:
        return True
    return not ModulePermission.objects.filter(role=user.role, module=module, hidden=True).exists()


def usable_modules(user):
    """The modules of MODULES `user` may use, as may_use_module answers for each,
    in one query (the sidebar asks about all of them on every page)."""
    if not (user.is_authenticated and user.is_active):
        return set()
    if user.role == Role.ADMIN:
        return set(MODULES)
    return set(MODULES) - set(ModulePermission.objects.filter(role=user.role, hidden=True)
                              .values_list("module", flat=True))


def masked_fields(user, module):
    """Fields of `module` that `user` sees masked and may not write."""
    if not user.is_authenticated or user.role == Role.ADMIN:
        return set()
    return {
        field for field, roles in SensitiveField.objects.filter(module=module).values_list("field", "hidden_from")
        if user.role in roles
    }
