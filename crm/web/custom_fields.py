"""Custom fields (crm.builder) on the pages: one form field per field type, the
form layout's sections, the values a detail page shows and the names a lookup
shows. The account, contact, lead and deal pages and the custom objects' pages
all use this module, so a custom field looks and validates the same everywhere.

The definitions are read from the tenant's schema on every request
(crm.builder.selectors): nothing about one tenant's fields is kept in memory."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from crm.access.permissions import custom_object_module, may_use_module
from crm.accounts.selectors import accounts_visible_to
from crm.builder import selectors as builder
from crm.builder.query import with_custom_fields
from crm.builder.values import clean_value
from crm.contacts.selectors import contacts_visible_to
from crm.deals.selectors import deals_visible_to
from crm.leads.selectors import leads_visible_to
from crm.web.masking import MASK, Masks, mask_form
from crm.web.pickers.fields import SCOPES, CustomRecordPicker, RecordPicker

# The built-in objects a custom field can be added to or point at, with the
# selector of the records a user sees and the URL name of a record's page.
BUILT_INS = {
    "accounts": (accounts_visible_to, "account"),
    "contacts": (contacts_visible_to, "contact"),
    "leads": (leads_visible_to, "lead"),
    "deals": (deals_visible_to, "deal"),
}
# How many linked records a record's page lists per lookup field.
LINKED_ROWS = 20
BUILT_IN_LABELS = {"accounts": _("Accounts"), "contacts": _("Contacts"), "leads": _("Leads"), "deals": _("Deals")}

TYPE_LABELS = {
    "text": _("Text"),
    "long_text": _("Long text"),
    "integer": _("Integer"),
    "decimal": _("Decimal"),
    "currency": _("Currency"),
    "date": _("Date"),
    "datetime": _("Date and time"),
    "boolean": _("Yes / no"),
    "choice": _("Choice"),
    "multi_choice": _("Multiple choice"),
    "email": _("E-mail"),
    "url": _("URL"),
    "phone": _("Phone"),
    "lookup": _("Lookup"),
}


def module_of(object_name):
    """The module (crm.access.permissions) whose settings apply to `object_name`'s
    fields: a built-in object's own, or the custom object's."""
    return object_name if object_name in BUILT_INS else custom_object_module(object_name)


def type_label(type_name):
    return TYPE_LABELS.get(type_name, type_name)


def visible_records(user, object_name):
    """The records of `object_name` (built-in or custom) that `user` may see."""
    if object_name in BUILT_INS:
        return BUILT_INS[object_name][0](user)
    return builder.records_visible_to(user, object_name, fields=[])


def record_url(object_name, pk):
    try:
        if object_name in BUILT_INS:
            return reverse(BUILT_INS[object_name][1], args=[pk])
        return reverse("custom-record", args=[object_name, pk])
    except NoReverseMatch:
        return ""


def _limit(value):
    """A stored limit (numeric(28, 10): 1 comes back as 1.0000000000) as the
    user typed it, so the form's message reads "greater than or equal to 1"."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else value.normalize()


def form_field(field, user):
    """The form field that edits custom field `field` (a FieldDef) for `user`.
    It parses what the browser sends; crm.builder.values.clean_value then checks
    the builder's own rules (the form's `clean_custom`)."""
    common = {"label": field.label, "required": bool(field.required), "help_text": field.help_text or ""}
    kind = field.type
    if kind == "long_text":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=field.max_length, **common)
    if kind == "integer":
        return forms.IntegerField(min_value=_limit(field.min_value), max_value=_limit(field.max_value), **common)
    if kind in ("decimal", "currency"):
        return forms.DecimalField(
            min_value=_limit(field.min_value),
            max_value=_limit(field.max_value),
            decimal_places=field.decimal_places,
            **common,
        )
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    if kind == "datetime":
        return forms.DateTimeField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), **common
        )
    if kind == "boolean":
        # A checkbox always says yes or no, so "required" has nothing left to ask.
        return forms.BooleanField(**{**common, "required": False})
    if kind == "choice":
        choices = [("", "—")] + [(c["value"], c["label"]) for c in field.choices or ()]
        return forms.ChoiceField(choices=choices, **common)
    if kind == "multi_choice":
        return forms.MultipleChoiceField(
            choices=[(c["value"], c["label"]) for c in field.choices or ()],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if kind == "email":
        return forms.EmailField(max_length=field.max_length, **common)
    if kind == "url":
        return forms.URLField(max_length=field.max_length, assume_scheme="https", **common)
    if kind == "lookup":
        # The target can hold thousands of records: typed and picked, never listed.
        picked = RecordPicker if field.target in SCOPES else CustomRecordPicker
        picker = picked(field.target, **common)
        picker.scope_to(user)
        return picker
    # text, phone and any type this page does not know yet: one line of text.
    return forms.CharField(max_length=field.max_length, **common)


def _initial(field, value):
    if field.type == "lookup":
        return value  # the id; the select shows the record's name
    if field.type == "multi_choice":
        return list(value or ())
    return value


class CustomFields:
    """The custom fields of `object_name` on `form` (a django Form of a record's
    page): added after the form's own fields, or arranged in the sections of
    the saved form layout; then validated with the form, and `values` handed by
    the view to the record's service, which writes them with the record. Form
    field names are the fields' API keys, so a service's ValidationError naming
    a field lands next to it (add_service_errors).
    A field the admin masked for the user's role is shown masked and disabled
    (crm.web.masking.mask_form) and never written, as a masked built-in field."""

    def __init__(self, form, object_name, user, *, record=None):
        """`record`: the record being edited (None: a new one), read again through
        the user's scope for its custom values."""
        self.form = form
        self.object_name = object_name
        self.user = user
        self.fields = [f for f in builder.fields_for(object_name) if not f.hidden]
        self.is_new = record is None
        self.values = {}
        current = (
            {} if record is None else values_of(visible_records(user, object_name), object_name, record.pk, self.fields)
        )
        for field in self.fields:
            form.fields[field.api_key] = form_field(field, user)
            if record is not None:
                form.initial[field.api_key] = _initial(field, current.get(field.api_key))
            elif field.default not in (None, ""):
                form.initial[field.api_key] = field.default
        self.masked = Masks(user)[module_of(object_name)] & {field.api_key for field in self.fields}
        if self.masked:
            mask_form(form, self.masked, values=current)
        arrange(form, saved_layout(object_name, "form", self.fields), self.fields)

    def is_valid(self):
        """The form's own is_valid() and the builder's rules on each custom field
        it shows, each error next to its field: all the errors at once, even
        when a built-in field is wrong too."""
        form_valid = self.form.is_valid()
        self.values = self.clean()
        return form_valid and not self.form.errors

    def clean(self):
        """{api_key: value} of the custom fields the form shows that pass the
        builder's rules; the others get their error on the form."""
        form = self.form
        values = {}
        for field in self.fields:
            key = field.api_key
            if key in self.masked or key not in form.fields or key not in form.cleaned_data:
                continue
            raw = form.cleaned_data[key]
            if field.type == "lookup":
                raw = raw.pk if raw is not None else None
            try:
                values[key] = clean_value(field, raw, partial=not self.is_new, user=self.user)
            except ValidationError as error:
                form.add_error(key, error.messages)
        return values


def saved_layout(object_name, kind, fields):
    """The layout the admin saved for `object_name`'s form or list, or None while
    it is crm.builder's default (`fields`: the object's visible fields)."""
    layout = builder.layout_for(object_name, kind)
    return None if layout == builder.default_layout(object_name, kind, fields) else layout


def arrange(form, layout, fields):
    """Put `form`'s fields in the sections of the saved form `layout` ([{"title",
    "fields": [names]}], built-in fields by their form name, custom `fields` by
    their name; None: the form stays as it is). A field in no section leaves the
    form, so the record keeps its value, unless it is required: those go in a
    last, untitled section."""
    if not layout:
        form.sections = None
        return
    keys = {field.name: field.api_key for field in fields}
    sections, placed = [], set()
    for section in layout:
        names = [keys.get(name, name) for name in section.get("fields", ())]
        names = [name for name in names if name in form.fields and name not in placed]
        placed.update(names)
        sections.append((section.get("title") or "", names))
    for name in [name for name in form.fields if name not in placed]:
        if not form.fields[name].required:
            del form.fields[name]
    form.sections = Sections(form, sections)


class Sections:
    """A form's sections as the template walks them: (title, [bound fields]).
    Read when the form is drawn, so a field the view adds later (a duplicate
    warning's "save anyway") still shows, in a last untitled section."""

    def __init__(self, form, sections):
        self.form = form
        self.sections = sections

    def __iter__(self):
        placed = {name for _title, names in self.sections for name in names}
        rest = [name for name in self.form.fields if name not in placed]
        for title, names in [*self.sections, ("", rest)]:
            fields = [self.form[name] for name in names if name in self.form.fields]
            if fields:
                yield title, fields

    def __bool__(self):
        return True


def values_of(queryset, object_name, record_pk, fields=None):
    """{api_key: value} of the custom fields of record `record_pk`, read through
    `queryset` (a selector's: out of scope reads nothing)."""
    fields = builder.fields_for(object_name) if fields is None else fields
    if not fields:
        return {}
    row = (
        with_custom_fields(queryset.filter(pk=record_pk), object_name, fields)
        .values(*[f.api_key for f in fields])
        .first()
    )
    return row or {}


def detail_context(user, object_name, queryset, record_pk):
    """What crm/_custom_details.html shows on a record's page: the visible custom
    fields in the form layout's order with their values (`custom_fields`), and
    the names of the records its lookups point at (`lookup_names`)."""
    fields = [f for f in builder.fields_for(object_name) if not f.hidden]
    linked = linked_records(user, object_name, record_pk)
    if not fields:
        return {"custom_fields": [], "linked_records": linked}
    layout = saved_layout(object_name, "form", fields)
    if layout:
        order = [name for section in layout for name in section.get("fields", ())]
        # Those on the form in its order, then the rest (a value the API wrote still shows).
        fields.sort(key=lambda f: order.index(f.name) if f.name in order else len(order))
    # Masked before the lookups' names are read: a masked lookup names nothing.
    values = Masks(user).values(module_of(object_name), values_of(queryset, object_name, record_pk, fields))
    return {
        "custom_fields": [(field, values.get(field.api_key)) for field in fields],
        "lookup_names": lookup_names(user, fields, [values]),
        "linked_records": linked,
    }


def linked_records(user, object_name, record_pk):
    """The other side of lookups: for each visible lookup field of any object
    that points at `object_name`, the records `user` may see whose field holds
    `record_pk` (a vehicle's page names its account; the account's page lists
    its vehicles). [(field, object label, [(name, url)])], newest first."""
    found, masks = [], Masks(user)
    for row in builder.custom_fields():
        source = row.object_name
        if row.type != "lookup" or row.target != object_name or row.hidden:
            continue
        if not builder.object_exists(source) or not may_use_module(user, source):
            continue
        field = builder.field_def(row)
        if field.api_key in masks[module_of(source)]:
            # Listing the records whose masked field points here would tell its value.
            continue
        records = (
            with_custom_fields(visible_records(user, source), source, [field])
            .filter(**{field.api_key: record_pk})
            .order_by("-id")[:LINKED_ROWS]
        )
        if source in BUILT_INS:
            # Named as the user's role may see them (a masked last name stays masked).
            records = masks.rows(source, records)
        items = [(getattr(r, "name", None) or str(r), record_url(source, r.pk)) for r in records]
        if items:
            found.append((field, builder.object_label(source), items))
    return found


def lookup_names(user, fields, rows):
    """{(target, id): (name, url)} for every lookup value in `rows` (records or
    dicts) that `user` may see: one query per lookup field, not one per row."""
    names = {}
    for field in fields:
        if field.type != "lookup" or not field.target:
            continue
        ids = set()
        for row in rows:
            value = row.get(field.api_key) if isinstance(row, dict) else getattr(row, field.api_key, None)
            if value is not None and value != MASK:  # a masked lookup names nothing
                ids.add(value)
        if not ids:
            continue
        for record in visible_records(user, field.target).filter(pk__in=ids):
            label = getattr(record, "name", None) or str(record)
            names[(field.target, record.pk)] = (label, record_url(field.target, record.pk))
    return names
