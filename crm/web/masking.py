"""Fields the admin hid from a role, as the pages show them: ••••••, exactly as
the API (api/sensitive.py) and the exports do. crm.access.permissions decides
which fields are masked for whom and crm.access.masking applies it to what is
read; this module is the pages' adapter over both: records, list pages,
history rows and edit forms.

Masking happens on read-only views of the records (MaskedRecord), not on the
model instances and not in each template: an instance with •••••• written into
a field is one save() away from overwriting the real value (and the same
instance is often shared with a prefetch cache, a form's initial values or a
service call later in the request), while masking in each template would have
to be remembered at every place a field is printed. A view wraps the records
once; the templates print fields as usual.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.access import masking, permissions
from crm.access.masking import MaskedRecord as MaskedRecord  # the pages' import of it

MASK = masking.MASK
_EMPTY: tuple[object, ...] = (None, "", [], ())
_shown = masking.shown


class Masks:
    """The fields of each module (crm.access.permissions.MODULES) that one user
    sees masked, looked up once per module. Templates read `masks.contacts` (a
    set) to leave out what cannot be shown, e.g. a filter on a masked field."""

    def __init__(self, user):
        self.user = user
        self._fields = {}

    def __getitem__(self, module):
        if module not in self._fields:
            self._fields[module] = frozenset(permissions.masked_fields(self.user, module))
        return self._fields[module]

    def record(self, module, record):
        """`record` as the page may show it (None stays None)."""
        masked = self[module]
        if record is None or not masked:
            return record
        return MaskedRecord(record, masked)

    def rows(self, module, records, aliases=None):
        """A list of `records` (a queryset or any iterable) as the page may show them.
        `aliases` ({attribute: field}) masks attributes a selector added that
        hold a field's value under another name."""
        masked = self[module]
        masked = masked | {attribute for attribute, field in (aliases or {}).items() if field in masked}
        if not masked:
            return list(records)
        return [MaskedRecord(record, masked) for record in records]

    def page(self, module, page):
        """A paginator page whose rows are shown masked; returns the page."""
        page.object_list = self.rows(module, page.object_list)
        return page

    def history(self, module, events):
        """Audit rows of a record of `module`, their payloads' masked fields masked:
        an update's payload holds the old and new value of each changed field."""
        masked = self[module]
        if not masked:
            return list(events)
        return [MaskedRecord(event, (), {"payload": masking.masked_payload(event.payload, masked)}) for event in events]

    def values(self, module, values):
        """{field: value} (a record's custom values) as the page may show them."""
        masked = self[module]
        return {name: _shown(value) if name in masked else value for name, value in values.items()}

    def sortable(self, module, sorts, fields=None):
        """`sorts` (name -> order_by) without the ones on a masked field of `module`:
        their order would tell the hidden values apart. `fields` maps a sort name to
        the field it orders by, where the two differ."""
        masked = self[module]
        return {name: order for name, order in sorts.items() if (fields or {}).get(name, name) not in masked}


def masks_for(request):
    """The Masks of the request's user, made once per request."""
    if not hasattr(request, "_crm_masks"):
        request._crm_masks = Masks(request.user)
    return request._crm_masks


def mask_form(form, masked, record=None, *, values=None):
    """Show the `masked` fields of `form` as MASK (or empty, when `record` has no
    value), disabled: a disabled field ignores what is posted for it. The view
    then writes only `writable(form)`, so the service never receives a masked
    field and its value stays as it is (the API refuses such writes outright).
    `values` ({name: value}) instead of `record`: the record's custom values
    (crm.web.custom_fields masks those on the same form, after the view)."""
    newly = frozenset(masked) & set(form.fields)
    form.masked_fields = getattr(form, "masked_fields", frozenset()) | newly
    for name in newly:
        field = form.fields[name]
        hint = _("Hidden from your role.")
        form.fields[name] = forms.CharField(
            label=field.label,
            required=False,
            disabled=True,
            help_text=hint,
            widget=forms.TextInput(attrs={"placeholder": MASK, "title": hint}),
        )
        value = values.get(name) if values is not None else getattr(record, name, None)
        form.initial[name] = _shown(value) if value not in _EMPTY else ""
        # The form's own clean_<field>() was written for the real field; a masked one has nothing to clean.
        setattr(form, f"clean_{name}", lambda: "")
    return form


def writable(form, names):
    """Of the field `names`, those `form` lets the user write (not masked)."""
    masked = getattr(form, "masked_fields", frozenset())
    return [name for name in names if name not in masked and name in form.fields]


def mask_choice_labels(form, field_name, masked):
    """Label the choices of a record field of `form` as the masked record reads
    (a contact's name from a masked last name)."""
    if masked and field_name in form.fields:
        field = form.fields[field_name]
        field.label_from_instance = lambda record: str(MaskedRecord(record, masked))
