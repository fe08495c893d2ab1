"""Customize: the form and list layouts of one object."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _

from crm.builder import selectors as builder
from crm.builder import services
from crm.web.custom_fields import saved_layout
from crm.web.forms import AccountForm, ContactForm, DealForm, LeadForm
from crm.web.settings.customize.targets import object_of, object_url
from crm.web.settings.decorators import admin_page
from crm.web.settings.pages import saved

# The form of each built-in object's page: the layout editor offers its fields.
BUILT_IN_FORMS = {"accounts": AccountForm, "contacts": ContactForm, "leads": LeadForm, "deals": DealForm}
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
    name, label, custom_object = object_of(object_name)
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
                return saved(request, _("Form layout saved."), object_url(name))
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
    name, label, custom_object = object_of(object_name)
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
            return saved(request, _("List layout saved."), object_url(name))
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
