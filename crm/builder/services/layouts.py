"""Layouts: which fields an object's form and list show, in which order."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.audit import services as audit
from crm.builder import objects, selectors
from crm.builder.models import CustomField, Layout
from crm.builder.services.fields import create_field
from crm.users.models import User


def _layout_names(object_name: str) -> set[str]:
    """Names a layout of `object_name` may place: built-in fields and live custom fields."""
    if objects.is_builtin(object_name):
        model = objects.BUILTIN_OBJECTS[object_name]
        builtin = {f.name for f in model._meta.get_fields() if f.concrete or f.many_to_many}
    else:
        builtin = {"name", "owner", "created_at", "updated_at"}
    return builtin | {f.name for f in selectors.fields_for(object_name, include_hidden=True)}


def save_layout(*, by: User, object_name: object, kind: object, sections: Any) -> Layout:
    """Save which fields `object_name`'s form (sections of {"title", "fields"})
    or list (column names) shows, in that order."""
    if not isinstance(object_name, str) or not selectors.object_exists(object_name):
        raise ValidationError({"object": [_("No such object.")]})
    if kind not in Layout.Kind.values:
        raise ValidationError({"kind": [_("Either form or list.")]})
    known = _layout_names(object_name)
    errors: list[str] = []
    placed: list[Any] = []
    if kind == Layout.Kind.FORM:
        if not isinstance(sections, list):
            raise ValidationError({"sections": [_('Give a list of {"title", "fields"} sections.')]})
        cleaned = []
        for section in sections:
            if (
                not isinstance(section, dict)
                or set(section) - {"title", "fields"}
                or not isinstance(section.get("title", ""), str)
                or len(section.get("title", "")) > 100
                or "\x00" in section.get("title", "")
                or not isinstance(section.get("fields"), list)
            ):
                raise ValidationError({"sections": [_('Each section is {"title": text, "fields": [names]}.')]})
            cleaned.append({"title": section.get("title", "").strip(), "fields": section["fields"]})
            placed += section["fields"]
        sections = cleaned
    else:
        if not isinstance(sections, list):
            raise ValidationError({"sections": [_("Give a list of field names.")]})
        placed = sections
    for name in placed:
        if not isinstance(name, str) or name not in known:
            errors.append(_("Unknown field: %(name)s.") % {"name": str(name)[:60]})
    if len(placed) != len({p for p in placed if isinstance(p, str)}):
        errors.append(_("A field is placed twice."))
    if errors:
        raise ValidationError({"sections": errors})
    with transaction.atomic():
        layout, _created = Layout.objects.update_or_create(
            object_name=object_name, kind=kind, defaults={"sections": sections}
        )
        audit.record(
            actor=by, action="builder.layout_saved", target=layout, payload={"object": object_name, "kind": kind}
        )
    return layout


def create_placed_field(*, by: User, object_name: str, show_on_list: bool = False, **definition: Any) -> CustomField:
    """create_field (`definition`: its name, label, type and options), and the new
    field placed in one transaction with it: at the end of the form layout the
    admin saved (a default form shows every field anyway) and, if
    `show_on_list`, at the end of the list's columns (as they were before the
    field existed: a custom object's default list follows its fields)."""
    with transaction.atomic():
        visible = selectors.fields_for(object_name)
        form_layout: list[Any] | None = selectors.layout_for(object_name, Layout.Kind.FORM)
        if form_layout == selectors.default_layout(object_name, Layout.Kind.FORM, visible):
            form_layout = None
        columns = selectors.layout_for(object_name, Layout.Kind.LIST)
        created = create_field(by=by, object_name=object_name, **definition)
        if form_layout:
            sections = [dict(section) for section in form_layout]
            sections[-1]["fields"] = [*sections[-1].get("fields", []), created.name]
            save_layout(by=by, object_name=object_name, kind=Layout.Kind.FORM, sections=sections)
        if show_on_list:
            save_layout(by=by, object_name=object_name, kind=Layout.Kind.LIST, sections=[*columns, created.name])
        elif columns != selectors.layout_for(object_name, Layout.Kind.LIST):
            # A custom object's default list shows its first fields; keep it as it was, without this one.
            save_layout(by=by, object_name=object_name, kind=Layout.Kind.LIST, sections=columns)
    return created
