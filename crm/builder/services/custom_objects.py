"""Custom objects: add one (its table cx_<name>), change its labels, delete and restore it."""

from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.access.permissions import MODULES
from crm.audit import selectors as audit_selectors
from crm.audit import services as audit
from crm.builder import ddl, dynamic, objects
from crm.builder.models import CustomField, CustomObject, FieldType
from crm.builder.services.names import generated_name, name_errors
from crm.builder.services.options import Errors, text_option
from crm.users.models import User


def create_object(*, by: User, name: str = "", label: str, label_plural: str, icon: str = "") -> CustomObject:
    """Add a custom object: its metadata row and its table `cx_<name>`, in one
    transaction; an audit row. No `name` (""): one is made from the
    label, or "obj_<n>" for a label without Latin letters (names.generated_name)."""
    errors: Errors = {}
    reserved = set(objects.BUILTIN_OBJECTS.keys()) | set(MODULES) | {"objects", "customization"}
    if not name and isinstance(label, str):
        taken = set(CustomObject.objects.values_list("name", flat=True))
        name = generated_name(label, prefix="obj", taken=taken, reserved=reserved)
    problems = name_errors(name, reserved)
    if problems:
        errors["name"] = problems
    elif CustomObject.objects.filter(name=name).exists():
        errors["name"] = [_("An object of this name exists (perhaps deleted and waiting to be purged).")]
    label = text_option(label, "label", errors, limit=100, required=True)
    label_plural = text_option(label_plural, "label_plural", errors, limit=100, required=True)
    icon = text_option(icon, "icon", errors, limit=40)
    if CustomObject.objects.count() >= settings.BUILDER_MAX_OBJECTS:
        errors["non_field_errors"] = [
            _("You have %(limit)d custom objects, the most allowed.") % {"limit": settings.BUILDER_MAX_OBJECTS}
        ]
    if errors:
        raise ValidationError(errors)
    custom = CustomObject(name=name, label=label, label_plural=label_plural, icon=icon)
    # An object of this name purged before had records whose ids its history
    # (audit rows) still names: new records never reuse them.
    first_id = audit_selectors.highest_target_id(f"{dynamic.APP_LABEL}.{name}") + 1
    try:
        with transaction.atomic():
            custom.save()
            ddl.create_table(name, first_id=first_id)
            audit.record(
                actor=by, action="builder.object_created", target=custom, payload={"name": name, "label": label}
            )
    except IntegrityError as exc:
        if isinstance(exc.__cause__, (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable)):
            raise ValidationError({"name": [_("An object of this name exists.")]}) from exc
        raise
    return custom


def update_object(custom: CustomObject, *, by: User, **changes: Any) -> CustomObject:
    """Change an object's label, plural label or icon (metadata only)."""
    errors: Errors = {}
    for key in changes:
        if key not in ("label", "label_plural", "icon"):
            errors[key] = [_("This cannot be changed.") if key == "name" else _("Unknown option.")]
    for key, limit, required in (("label", 100, True), ("label_plural", 100, True), ("icon", 40, False)):
        if key in changes and key not in errors:
            setattr(custom, key, text_option(changes[key], key, errors, limit=limit, required=required))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        custom.save()
        audit.record(
            actor=by,
            action="builder.object_updated",
            target=custom,
            payload={"name": custom.name, **{k: changes[k] for k in changes}},
        )
    return custom


def delete_object(custom: CustomObject, *, by: User) -> CustomObject:
    """Mark a custom object deleted (its records hidden and kept, restorable for
    the grace period). Refused while live lookups of other objects point at it."""
    if custom.deleted_at is not None:
        return custom
    pointing = CustomField.objects.filter(type=FieldType.LOOKUP, target=custom.name, deleted_at__isnull=True).exclude(
        object_name=custom.name
    )
    if pointing.exists():
        raise ValidationError(
            {
                "non_field_errors": [
                    _("Fields point at this object: %(fields)s. Delete them first.")
                    % {"fields": ", ".join(str(f) for f in pointing)}
                ]
            }
        )
    with transaction.atomic():
        custom.deleted_at = timezone.now()
        custom.save(update_fields=["deleted_at"])
        audit.record(actor=by, action="builder.object_deleted", target=custom, payload={"name": custom.name})
    return custom


def restore_object(custom: CustomObject, *, by: User) -> CustomObject:
    """Undo delete_object before the purge: its records show again."""
    if custom.deleted_at is None:
        return custom
    with transaction.atomic():
        custom.deleted_at = None
        custom.save(update_fields=["deleted_at"])
        audit.record(actor=by, action="builder.object_restored", target=custom, payload={"name": custom.name})
    return custom
