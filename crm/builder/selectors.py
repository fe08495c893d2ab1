"""Reads of the builder's metadata. Every call reads the current schema's rows:
nothing about a tenant's fields is kept in process memory beyond one GET request
(docs/decisions/008, "Isolation between tenants"; tenants/memo.py)."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404

from crm.access import scope
from crm.builder import dynamic, objects, query

# FieldDef, field_def and fields_for are part of this module's interface (crm/builder/__init__.py).
from crm.builder.definitions import NUMERIC as NUMERIC
from crm.builder.definitions import TEXT_LIKE as TEXT_LIKE
from crm.builder.definitions import FieldDef as FieldDef
from crm.builder.definitions import field_def as field_def
from crm.builder.definitions import fields_for as fields_for
from crm.builder.models import CustomField, CustomObject, Layout

if TYPE_CHECKING:
    from crm.users.models import User


def custom_fields(*, object_name: str | None = None, deleted: bool = False) -> QuerySet[CustomField]:
    """CustomField rows (for the builder's own pages and API): the live ones, or
    (`deleted=True`) those deleted and waiting for the purge."""
    rows = CustomField.objects.filter(deleted_at__isnull=not deleted)
    if object_name:
        rows = rows.filter(object_name=object_name)
    return rows.order_by("object_name", "position", "id")


def custom_field_get(pk: int | str, *, include_deleted: bool = True) -> CustomField:
    """One CustomField row by id; Http404 if missing."""
    rows = CustomField.objects.all() if include_deleted else CustomField.objects.filter(deleted_at__isnull=True)
    try:
        return rows.get(pk=pk)
    except (CustomField.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def field_named(object_name: str, name: str) -> CustomField | None:
    """The live CustomField row `name` of `object_name`, or None."""
    return CustomField.objects.filter(object_name=object_name, name=name, deleted_at__isnull=True).first()


def custom_objects(*, deleted: bool = False) -> QuerySet[CustomObject]:
    """The tenant's custom objects (live ones, or those deleted and waiting for the purge), by label."""
    return CustomObject.objects.filter(deleted_at__isnull=not deleted).order_by("label", "id")


def custom_object_get(name: object) -> CustomObject:
    """The live custom object `name`; Http404 if missing or deleted."""
    found = CustomObject.objects.filter(name=name, deleted_at__isnull=True).first() if isinstance(name, str) else None
    if found is None:
        raise Http404
    return found


def custom_object_get_by_id(pk: int | str, *, include_deleted: bool = True) -> CustomObject:
    """One CustomObject row by id (deleted ones too unless `include_deleted` is False); Http404 if missing."""
    rows = CustomObject.objects.all() if include_deleted else CustomObject.objects.filter(deleted_at__isnull=True)
    try:
        return rows.get(pk=pk)
    except (CustomObject.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def object_exists(object_name: str, *, include_deleted: bool = False) -> bool:
    """Whether `object_name` is a built-in object or a (live) custom object."""
    if objects.is_builtin(object_name):
        return True
    rows = CustomObject.objects.filter(name=object_name)
    if not include_deleted:
        rows = rows.filter(deleted_at__isnull=True)
    return rows.exists()


def object_names() -> list[str]:
    """Every object fields can be added to: the built-in ones, then the live custom ones."""
    return list(objects.BUILTIN_OBJECTS.keys()) + list(custom_objects().values_list("name", flat=True))


def object_label(object_name: str) -> str:
    """The plural label of an object, for messages and navigation."""
    if objects.is_builtin(object_name):
        return str(objects.BUILTIN_OBJECTS[object_name]._meta.verbose_name_plural)
    found = CustomObject.objects.filter(name=object_name).first()
    return found.label_plural if found else object_name


def default_layout(object_name: str, kind: str, fields: Sequence[FieldDef] | None = None) -> list[Any]:
    """What a form or list shows before the admin arranged it: a form every
    visible custom field in one untitled section; a list (custom objects) the
    name, the owner and the first four visible custom fields, (built-in objects)
    nothing beyond the page's own columns."""
    if fields is None:
        fields = fields_for(object_name)
    if kind == Layout.Kind.FORM:
        return [{"title": "", "fields": [f.name for f in fields]}]
    if objects.is_builtin(object_name):
        return []
    return ["name", "owner", *[f.name for f in fields if f.sortable][:4]]


def layout_for(object_name: str, kind: str) -> list[Any]:
    """The saved layout of `object_name`'s form or list (see Layout.sections), or its default."""
    saved = Layout.objects.filter(object_name=object_name, kind=kind).first()
    return saved.sections if saved is not None else default_layout(object_name, kind)


# Records of custom objects ----------------------------------------------------


def records_visible_to(user: "User", object_name: str, fields: Sequence[FieldDef] | None = None) -> QuerySet[Any]:
    """Records of the custom object `object_name` that `user` may see (owner,
    team and shares as for built-in records: crm.access.scope), each custom field
    annotated under its api_key. Http404 when the object is missing or deleted."""
    custom_object_get(object_name)
    model = dynamic.record_model(object_name)
    return query.with_custom_fields(scope.visible(model.objects.all(), user), object_name, fields)


def record_get_for_user(user: "User", object_name: str, pk: int | str, fields: Sequence[FieldDef] | None = None) -> Any:
    """One record `user` may see; Http404 if the object or the record is missing or out of scope alike."""
    custom_object_get(object_name)
    model = dynamic.record_model(object_name)
    return scope.get_visible(query.with_custom_fields(model.objects.all(), object_name, fields), user, pk)


def lookup_target_visible(target: str, pk: object, user: "User | None" = None) -> bool:
    """Whether record `pk` of object `target` exists (and, with `user`, is visible to them)."""
    if objects.is_builtin(target):
        rows = objects.BUILTIN_OBJECTS[target]._default_manager.filter(pk=pk)
    elif object_exists(target):
        rows = dynamic.record_model(target).objects.filter(pk=pk)
    else:
        return False
    if user is not None:
        rows = scope.visible(rows, user)
    return rows.exists()


def lookup_choices(user: "User", target: str, *, search: str = "", limit: int = 20) -> list[tuple[Any, str]]:
    """(id, label) of records of `target` `user` may see, for a lookup field's picker."""
    if objects.is_builtin(target):
        model = objects.BUILTIN_OBJECTS[target]
        rows = scope.visible(model._default_manager.all(), user)
    else:
        custom_object_get(target)
        rows = scope.visible(dynamic.record_model(target).objects.all(), user)
        if search:
            rows = rows.filter(name__icontains=search)
    return [(row.pk, str(row)) for row in rows[:limit]]


def custom_values_of(object_name: str, record: Any, fields: Sequence[FieldDef]) -> Any:
    """Set the custom values of one record (an instance read without them) as
    attributes named after their api_keys; one query. Returns the record."""
    if not fields or record is None:
        return record
    model = type(record)._meta.concrete_model
    keys = [field.api_key for field in fields]
    found = (
        query.with_custom_fields(model._base_manager.filter(pk=record.pk), object_name, fields).values(*keys).first()
        or {}
    )
    for key in keys:
        setattr(record, key, found.get(key))
    return record
