from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.access.models import ModulePermission, SensitiveField
from crm.access.permissions import modules
from crm.access.selectors import maskable_fields
from crm.audit import services as audit
from crm.users.models import Role, User

_ROLES_BELOW_ADMIN = [Role.DIRECTOR, Role.MANAGER, Role.SALES]


@transaction.atomic
def set_module_visibility(*, by: User, role: str, module: str, hidden: bool) -> ModulePermission:
    """Hide or show a module for a role (never for admin)."""
    if role not in _ROLES_BELOW_ADMIN:
        raise ValidationError({"role": [_("Choose director, manager or sales.")]})
    if module not in modules():
        raise ValidationError({"module": [_("No such module.")]})
    permission, _created = ModulePermission.objects.update_or_create(
        role=role, module=module, defaults={"hidden": hidden}
    )
    audit.record(
        actor=by,
        action="access.module_visibility",
        target=permission,
        payload={"role": role, "module": module, "hidden": hidden},
    )
    return permission


@transaction.atomic
def set_sensitive_field(*, by: User, module: str, field: str, hidden_from: Iterable[str]) -> SensitiveField:
    """Mask `field` of `module` for the given roles (an empty list unmasks it)."""
    if module not in modules():
        raise ValidationError({"module": [_("No such module.")]})
    bad = [role for role in hidden_from if role not in _ROLES_BELOW_ADMIN]
    if bad:
        raise ValidationError({"hidden_from": [_("Choose among director, manager and sales.")]})
    # Unmasking is always allowed: the field may be a custom one deleted since.
    if hidden_from and field not in {name for name, _label in maskable_fields().get(module, [])}:
        raise ValidationError({"field": [_("This module has no field by that name that can be masked.")]})
    sensitive, _created = SensitiveField.objects.update_or_create(
        module=module, field=field, defaults={"hidden_from": sorted(set(hidden_from))}
    )
    audit.record(
        actor=by,
        action="access.sensitive_field",
        target=sensitive,
        payload={"module": module, "field": field, "hidden_from": sensitive.hidden_from},
    )
    return sensitive


@transaction.atomic
def set_hidden_modules(*, by: User, hidden: Iterable[tuple[str, str]]) -> None:
    """Make `hidden` ((role, module) pairs) exactly the modules hidden from roles below
    admin, in one transaction; only the pairs that change are written and audited."""
    hidden, known = set(hidden), modules()
    if hidden - {(role, module) for role in _ROLES_BELOW_ADMIN for module in known}:
        raise ValidationError({"hidden": [_("Choose director, manager or sales and a module of the list.")]})
    current = set(ModulePermission.objects.filter(hidden=True).values_list("role", "module"))
    for role in _ROLES_BELOW_ADMIN:
        for module in known:
            wanted = (role, module) in hidden
            if wanted != ((role, module) in current):
                set_module_visibility(by=by, role=role, module=module, hidden=wanted)


def forget_module(*, module: str) -> None:
    """Remove every role's setting of `module` (a purged custom object's): an
    object made later under the same name starts visible to every role. Called
    inside the purge's transaction; the purge's own audit row covers it."""
    ModulePermission.objects.filter(module=module).delete()
