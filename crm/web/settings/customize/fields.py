"""Customize: the custom fields of one object: add, edit, reorder, hide and show, delete, restore."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.builder import selectors as builder
from crm.builder import services
from crm.builder.ddl import Busy
from crm.web.custom_fields import TYPE_LABELS, type_label
from crm.web.forms import add_service_errors
from crm.web.settings.customize.forms import FieldForm, choices_text
from crm.web.settings.customize.targets import confirm_page, custom_field, object_of, object_url
from crm.web.settings.decorators import admin_page
from crm.web.settings.pages import form_response, saved


def _fields_context(object_name, errors=()):
    rows = list(builder.custom_fields(object_name=object_name))
    for row in rows:
        row.type_label = type_label(row.type)
        row.target_label = builder.object_label(row.target) if row.target else ""
    return {"object_name": object_name, "fields": rows, "errors": list(errors)}


@admin_page
def object_fields(request, object_name):
    return _object_page(request, object_name)


def _object_page(request, object_name, errors=()):
    name, label, custom_object = object_of(object_name)
    return render(
        request,
        "crm/settings/customize/object.html",
        {
            **_fields_context(name, errors),
            "label": label,
            "custom_object": custom_object,
            "deleted_fields": builder.custom_fields(object_name=name, deleted=True),
            "grace_days": settings.BUILDER_DELETE_GRACE_DAYS,
        },
        status=400 if errors else 200,
    )


def _fields_table(request, object_name, errors=()):
    """The fields table alone (htmx) or the whole page again."""
    if request.htmx:
        return render(
            request,
            "crm/settings/customize/_fields.html",
            _fields_context(object_name, errors),
            status=400 if errors else 200,
        )
    if errors:
        return _object_page(request, object_name, errors)
    return redirect("settings-customize-object", object_name=object_name)


@admin_page
def field_create(request, object_name):
    """The type comes first (?type=, or the type select, which redraws the form
    with that type's options and what was typed so far)."""
    name, label, _custom_object = object_of(object_name)
    type_name = (request.POST or request.GET).get("type", "text")
    if type_name not in TYPE_NAMES:
        type_name = "text"
    retype = request.method == "POST" and "retype" in request.POST
    if request.method == "POST" and not retype:
        form = FieldForm(request.POST, type_name=type_name, user=request.user)
    else:
        initial = {key: value for key, value in request.POST.items() if key != "csrfmiddlewaretoken"}
        initial["type"] = type_name
        if retype:
            initial["show_on_list"] = "show_on_list" in request.POST
        form = FieldForm(initial=initial, type_name=type_name, user=request.user)
    action = reverse("settings-field-create", args=[name])
    form.fields["type"].widget.attrs.update({"hx-post": action, "hx-vals": '{"retype": "1"}', "hx-trigger": "change"})
    if request.method == "POST" and not retype and form.is_valid():
        try:
            created = services.create_placed_field(
                by=request.user,
                object_name=name,
                show_on_list=form.cleaned_data["show_on_list"],
                name=form.cleaned_data["name"],
                label=form.cleaned_data["label"],
                type=type_name,
                **form.options(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Busy as busy:
            form.add_error(None, str(busy))
        else:
            return saved(request, _("Field %(field)s added.") % {"field": created.label}, object_url(name))
    context = {
        "form": form,
        "action": action,
        "cancel": object_url(name),
        "title": _("New field on %(object)s") % {"object": label},
        "testid": "field-form",
    }
    if retype:
        # Not a refused save: the same form again, with the new type's options.
        return render(request, "crm/settings/_form.html" if request.htmx else "crm/settings/form_page.html", context)
    return form_response(request, context)


TYPE_NAMES = set(TYPE_LABELS)


def _field_initial(field):
    initial = {
        name: getattr(field, name)
        for name in (
            "label",
            "required",
            "unique",
            "max_length",
            "min_value",
            "max_value",
            "decimal_places",
            "help_text",
            "default",
        )
    }
    initial["choices"] = choices_text(field.choices)
    for name in ("min_value", "max_value"):
        if initial[name] is not None:
            # Stored with ten places: shown as typed (20, not 20.0000000000 or 2E+1).
            initial[name] = format(initial[name].normalize(), "f")
    return initial


@admin_page
def field_edit(request, pk):
    field = custom_field(pk)
    if field.deleted_at is not None:
        raise Http404
    name, label, _custom_object = object_of(field.object_name)
    initial = _field_initial(field)
    form = FieldForm(request.POST or None, initial=initial, type_name=field.type, field=field, user=request.user)
    if request.method == "POST" and form.is_valid():
        # Only what changed: a change of an option can mean a new constraint on the column.
        options = {"label": form.cleaned_data["label"], **form.options()}
        changes = {key: value for key, value in options.items() if _stored(field, key) != value}
        try:
            if changes:
                services.update_field(field, by=request.user, **changes)
        except ValidationError as error:
            add_service_errors(form, error)
        except Busy as busy:
            form.add_error(None, str(busy))
        else:
            return saved(request, _("Field %(field)s saved.") % {"field": form.cleaned_data["label"]}, object_url(name))
    return form_response(
        request,
        {
            "form": form,
            "action": reverse("settings-field-edit", args=[field.pk]),
            "cancel": object_url(name),
            "title": _("%(field)s on %(object)s") % {"field": field.label, "object": label},
            "intro": _("Type: %(type)s. Name: %(name)s.") % {"type": type_label(field.type), "name": field.name},
            "testid": "field-form",
        },
    )


def _stored(field, key):
    value = getattr(field, key)
    if key == "choices":
        return list(value or [])
    return value


@admin_page
@require_POST
def field_move(request, pk):
    """POST direction=up|down: swap the field with its neighbour on the object
    (services.reorder_fields numbers them afresh, so equal or gapped positions
    from the API move as shown)."""
    field = custom_field(pk)
    names = [row.name for row in builder.custom_fields(object_name=field.object_name)]
    index = names.index(field.name) if field.name in names else None
    other = {"up": -1, "down": 1}.get(request.POST.get("direction"))
    errors = []
    if index is not None and other is not None and 0 <= index + other < len(names):
        names[index], names[index + other] = names[index + other], names[index]
        try:
            services.reorder_fields(object_name=field.object_name, names=names, by=request.user)
        except ValidationError as error:
            errors = error.messages
    return _fields_table(request, field.object_name, errors)


@admin_page
@require_POST
def field_hide(request, pk):
    """POST hidden=1 hides the field from forms, lists and pages (the data stays, the API still has it); 0 shows it."""
    field = custom_field(pk)
    errors = []
    try:
        services.update_field(field, by=request.user, hidden=request.POST.get("hidden") == "1")
    except ValidationError as error:
        errors = error.messages
    return _fields_table(request, field.object_name, errors)


@admin_page
def field_delete(request, pk):
    """GET: what deleting means, and a button; POST: delete (restorable during the grace period)."""
    field = custom_field(pk)
    if field.deleted_at is not None:
        raise Http404
    question = _("Delete the field %(field)s?") % {"field": field.label}
    if request.method == "POST":
        try:
            services.delete_field(field, by=request.user)
        except ValidationError as error:
            return confirm_page(request, question, object_url(field.object_name), errors=error.messages)
        except Busy as busy:
            return confirm_page(request, question, object_url(field.object_name), errors=[str(busy)])
        return saved(
            request,
            _("Field %(field)s deleted. It can be restored for %(days)s days.")
            % {"field": field.label, "days": settings.BUILDER_DELETE_GRACE_DAYS},
            object_url(field.object_name),
        )
    return confirm_page(
        request,
        question,
        object_url(field.object_name),
        explanation=_(
            "It disappears from forms, lists, the API, imports and exports now. For %(days)s days it can be "
            "restored with its values; then its column is dropped for good."
        )
        % {"days": settings.BUILDER_DELETE_GRACE_DAYS},
    )


@admin_page
@require_POST
def field_restore(request, pk):
    field = custom_field(pk)
    try:
        services.restore_field(field, by=request.user)
    except ValidationError as error:
        return _object_page(request, field.object_name, error.messages)
    except Busy as busy:
        return _object_page(request, field.object_name, [str(busy)])
    return saved(request, _("Field %(field)s restored.") % {"field": field.label}, object_url(field.object_name))
