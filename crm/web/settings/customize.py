"""Customize (the module builder, docs/decisions/008): per object (the built-in
ones and the tenant's custom objects) its custom fields — add one with the
options of its type, change the label and options, reorder, hide and show,
delete after a confirmation and restore during the grace period — its form
and list layouts, and the custom objects themselves (create, delete, restore).

Everything goes through crm.builder.services, which checks names, limits and
options, makes the columns and writes the audit rows; a refused change comes
back on the form it came from with what was typed."""

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
from crm.web.custom_fields import BUILT_IN_LABELS, TYPE_LABELS, saved_layout, type_label
from crm.web.forms import AccountForm, ContactForm, DealForm, LeadForm, add_service_errors
from crm.web.settings.customize_forms import FieldForm, ObjectForm, choices_text
from crm.web.settings.decorators import admin_page
from crm.web.settings.pages import form_response, saved

# The form of each built-in object's page: the layout editor offers its fields.
BUILT_IN_FORMS = {"accounts": AccountForm, "contacts": ContactForm, "leads": LeadForm, "deals": DealForm}


def _object(object_name):
    """(name, label, custom object or None) of an object fields can be added to; 404 otherwise."""
    if object_name in BUILT_IN_LABELS:
        return object_name, BUILT_IN_LABELS[object_name], None
    found = builder.custom_object_get(object_name)
    return found.name, found.label_plural, found


def _field(pk):
    return builder.custom_field_get(pk)


def _object_url(object_name):
    return reverse("settings-customize-object", args=[object_name])


# Objects -------------------------------------------------------------------------


def _home_context():
    counts = {}
    for field in builder.custom_fields():
        counts[field.object_name] = counts.get(field.object_name, 0) + 1
    return {
        "built_ins": [(name, label, counts.get(name, 0)) for name, label in BUILT_IN_LABELS.items()],
        "custom_objects": [(obj, counts.get(obj.name, 0)) for obj in builder.custom_objects()],
        "deleted_objects": builder.custom_objects(deleted=True),
        "grace_days": settings.BUILDER_DELETE_GRACE_DAYS,
    }


@admin_page
def customize_home(request):
    return render(request, "crm/settings/customize/home.html", _home_context())


@admin_page
def object_create(request):
    form = ObjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_object(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Busy as busy:
            form.add_error(None, str(busy))
        else:
            return saved(
                request, _("%(object)s created: add its fields.") % {"object": created.label}, _object_url(created.name)
            )
    return form_response(
        request,
        {
            "form": form,
            "action": reverse("settings-object-create"),
            "cancel": reverse("settings-customize"),
            "title": _("New custom object"),
            "testid": "object-form",
        },
    )


@admin_page
def object_edit(request, object_name):
    """The object's label, plural label and icon (its name is its table's and stays)."""
    name, _label, custom_object = _object(object_name)
    if custom_object is None:
        raise Http404
    form = ObjectForm(
        request.POST or None,
        initial={"label": custom_object.label, "label_plural": custom_object.label_plural, "icon": custom_object.icon},
    )
    del form.fields["name"]
    if request.method == "POST" and form.is_valid():
        try:
            services.update_object(custom_object, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(
                request, _("%(object)s saved.") % {"object": form.cleaned_data["label_plural"]}, _object_url(name)
            )
    return form_response(
        request,
        {
            "form": form,
            "action": reverse("settings-object-edit", args=[name]),
            "cancel": _object_url(name),
            "title": custom_object.label_plural,
            "testid": "object-form",
        },
    )


@admin_page
def object_delete(request, object_name):
    """GET: what deleting the object means, and a button; POST: delete it (restorable for the grace period)."""
    name, label, custom_object = _object(object_name)
    if custom_object is None:
        raise Http404
    if request.method == "POST":
        try:
            services.delete_object(custom_object, by=request.user)
        except ValidationError as error:
            return _confirm_page(
                request, _("Delete %(object)s?") % {"object": label}, _object_url(name), errors=error.messages
            )
        return saved(
            request,
            _("%(object)s deleted. It can be restored for %(days)s days.")
            % {"object": label, "days": settings.BUILDER_DELETE_GRACE_DAYS},
            reverse("settings-customize"),
        )
    return _confirm_page(
        request,
        _("Delete %(object)s?") % {"object": label},
        _object_url(name),
        explanation=_(
            "Its records and fields disappear from every page, the API and exports "
            "now. For %(days)s days it can be restored with all its data; then it is "
            "dropped for good."
        )
        % {"days": settings.BUILDER_DELETE_GRACE_DAYS},
    )


@admin_page
@require_POST
def object_restore(request, pk):
    custom_object = builder.custom_object_get_by_id(pk)
    try:
        services.restore_object(custom_object, by=request.user)
    except ValidationError as error:
        return _home_with_errors(request, error.messages)
    return saved(
        request, _("%(object)s restored.") % {"object": custom_object.label_plural}, _object_url(custom_object.name)
    )


def _home_with_errors(request, errors):
    return render(request, "crm/settings/customize/home.html", {**_home_context(), "errors": errors}, status=400)


def _confirm_page(request, question, cancel, *, explanation="", errors=()):
    return render(
        request,
        "crm/settings/customize/confirm.html",
        {
            "question": question,
            "explanation": explanation,
            "cancel": cancel,
            "errors": list(errors),
            "action": request.path,
        },
        status=400 if errors else 200,
    )


# Fields of one object ----------------------------------------------------------


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
    name, label, custom_object = _object(object_name)
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
    name, label, _custom_object = _object(object_name)
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
            return saved(request, _("Field %(field)s added.") % {"field": created.label}, _object_url(name))
    context = {
        "form": form,
        "action": action,
        "cancel": _object_url(name),
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
    field = _field(pk)
    if field.deleted_at is not None:
        raise Http404
    name, label, _custom_object = _object(field.object_name)
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
            return saved(
                request, _("Field %(field)s saved.") % {"field": form.cleaned_data["label"]}, _object_url(name)
            )
    return form_response(
        request,
        {
            "form": form,
            "action": reverse("settings-field-edit", args=[field.pk]),
            "cancel": _object_url(name),
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
    field = _field(pk)
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
    field = _field(pk)
    errors = []
    try:
        services.update_field(field, by=request.user, hidden=request.POST.get("hidden") == "1")
    except ValidationError as error:
        errors = error.messages
    return _fields_table(request, field.object_name, errors)


@admin_page
def field_delete(request, pk):
    """GET: what deleting means, and a button; POST: delete (restorable during the grace period)."""
    field = _field(pk)
    if field.deleted_at is not None:
        raise Http404
    question = _("Delete the field %(field)s?") % {"field": field.label}
    if request.method == "POST":
        try:
            services.delete_field(field, by=request.user)
        except ValidationError as error:
            return _confirm_page(request, question, _object_url(field.object_name), errors=error.messages)
        except Busy as busy:
            return _confirm_page(request, question, _object_url(field.object_name), errors=[str(busy)])
        return saved(
            request,
            _("Field %(field)s deleted. It can be restored for %(days)s days.")
            % {"field": field.label, "days": settings.BUILDER_DELETE_GRACE_DAYS},
            _object_url(field.object_name),
        )
    return _confirm_page(
        request,
        question,
        _object_url(field.object_name),
        explanation=_(
            "It disappears from forms, lists, the API, imports and exports now. For %(days)s days it can be "
            "restored with its values; then its column is dropped for good."
        )
        % {"days": settings.BUILDER_DELETE_GRACE_DAYS},
    )


@admin_page
@require_POST
def field_restore(request, pk):
    field = _field(pk)
    try:
        services.restore_field(field, by=request.user)
    except ValidationError as error:
        return _object_page(request, field.object_name, error.messages)
    except Busy as busy:
        return _object_page(request, field.object_name, [str(busy)])
    return saved(request, _("Field %(field)s restored.") % {"field": field.label}, _object_url(field.object_name))


# Layouts -----------------------------------------------------------------------

# Sections a form layout may have (the editor offers the saved ones and two more).
MAX_SECTIONS = 8


def _form_items(request, object_name, custom_object):
    """(key, label, required) of every field the object's form can show: its own
    fields by their form name, then the visible custom fields by name."""
    if custom_object is None:
        form_class = BUILT_IN_FORMS[object_name]
        form = form_class(user=request.user)
        items = [(key, str(field.label), field.required) for key, field in form.fields.items()]
    else:
        items = [("name", _("Name"), True), ("owner", _("Owner"), False)]
    fields = builder.fields_for(object_name)
    return items + [(field.name, field.label, field.required) for field in fields], fields


def _order(request, key, fallback):
    try:
        return int(request.POST.get(f"order_{key}", ""))
    except ValueError:
        return fallback


@admin_page
def form_layout(request, object_name):
    """Which fields the object's form shows, in which titled sections and order.
    A required field always stays on the form."""
    name, label, custom_object = _object(object_name)
    items, fields = _form_items(request, name, custom_object)
    errors = []
    layout = saved_layout(name, "form", fields) or [{"title": "", "fields": [key for key, _l, _r in items]}]
    if request.method == "POST":
        posted = request.POST.get("sections", "")
        count = max(1, min(int(posted), MAX_SECTIONS)) if posted.isdigit() else 1
        titles = [request.POST.get(f"title_{i}", "").strip()[:100] for i in range(count)]
        placed = {i: [] for i in range(count)}
        for index, (key, item_label, required) in enumerate(items):
            where = request.POST.get(f"place_{key}", "")
            if where.isdigit() and int(where) < count:
                placed[int(where)].append((_order(request, key, index), index, key))
            elif required:
                errors.append(_("%(field)s is required: it stays on the form.") % {"field": item_label})
        layout = [
            {"title": titles[i], "fields": [key for _o, _i, key in sorted(placed[i])]}
            for i in range(count)
            if placed[i]
        ]
        if not errors:
            try:
                services.save_layout(by=request.user, object_name=name, kind="form", sections=layout)
            except ValidationError as error:
                errors = error.messages
            else:
                return saved(request, _("Form layout saved."), _object_url(name))
    where = {key: i for i, section in enumerate(layout) for key in section["fields"]}
    order = {key: position + 1 for section in layout for position, key in enumerate(section["fields"])}
    sections = [section["title"] for section in layout] + ["", ""]
    sections = sections[:MAX_SECTIONS]
    rows = [
        {"key": key, "label": item_label, "required": required, "section": where.get(key), "order": order.get(key, "")}
        for key, item_label, required in items
    ]
    return render(
        request,
        "crm/settings/customize/form_layout.html",
        {
            "object_name": name,
            "label": label,
            "rows": rows,
            "sections": sections,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@admin_page
def list_layout(request, object_name):
    """Which custom fields the object's list shows as columns, in which order
    (a custom object's list always starts with the record's name)."""
    name, label, custom_object = _object(object_name)
    fields = builder.fields_for(name)
    items = [(field.name, field.label) for field in fields]
    if custom_object is not None:
        items.insert(0, ("owner", _("Owner")))
    errors = []
    columns = [key for key in builder.layout_for(name, "list") if key != "name"]
    if request.method == "POST":
        chosen = sorted(
            (_order(request, key, index), index, key)
            for index, (key, _l) in enumerate(items)
            if request.POST.get(f"show_{key}")
        )
        columns = [key for _o, _i, key in chosen]
        try:
            services.save_layout(
                by=request.user,
                object_name=name,
                kind="list",
                sections=(["name"] if custom_object is not None else []) + columns,
            )
        except ValidationError as error:
            errors = error.messages
        else:
            return saved(request, _("List layout saved."), _object_url(name))
    rows = [
        {
            "key": key,
            "label": item_label,
            "shown": key in columns,
            "order": columns.index(key) + 1 if key in columns else "",
        }
        for key, item_label in items
    ]
    return render(
        request,
        "crm/settings/customize/list_layout.html",
        {
            "object_name": name,
            "label": label,
            "rows": rows,
            "errors": errors,
            "custom_object": custom_object,
        },
        status=400 if errors else 200,
    )
