"""Form fields that choose records through a picker: a text box asking
/pick/<kind>/ as the user types, and a hidden input (one per record for a
multiple choice) holding the chosen id, which is what the form posts.

The field's queryset is still the user's scope (the selector of the kind): it
validates what is posted, so an id out of the user's scope is refused with the
field's own message, and it names the chosen records when the form is shown
(an edit form, a form shown again with its errors). It is never listed whole."""

from django import forms
from django.urls import reverse

from crm.access.masking import MaskedRecord
from crm.access.permissions import masked_fields
from crm.accounts.selectors import accounts_visible_to
from crm.builder.selectors import records_visible_to
from crm.contacts.selectors import contacts_visible_to
from crm.deals.selectors import deals_visible_to
from crm.leads.selectors import leads_visible_to

# The kinds of record a picker chooses, each with the records a user may choose.
# The kind is also the module whose masked fields apply and the picker's URL.
SCOPES = {
    "accounts": accounts_visible_to,
    "contacts": contacts_visible_to,
    "deals": deals_visible_to,
    "leads": leads_visible_to,
}


class PickerInput(forms.Widget):
    """The picker's markup (crm/pickers/_input.html; static/pickers.js drives it).
    The chosen records' names come from the field's queryset, filtered by the
    ids alone, so a form never loads more than what is chosen. An id the queryset
    does not hold (out of scope, forged, deleted) names nothing and is dropped."""

    template_name = "crm/pickers/_input.html"

    def __init__(self, kind, *, multiple=False, url_args=(), attrs=None):
        super().__init__(attrs)
        self.kind = kind
        self.multiple = multiple
        self.url_args = tuple(url_args)
        # Set by ModelChoiceField whenever its queryset is; iterated by no one here.
        self.choices = ()

    def format_value(self, value):
        values = value if isinstance(value, (list, tuple)) else [value]
        return [str(item) for item in values if item not in (None, "")]

    def value_from_datadict(self, data, files, name):
        if self.multiple and hasattr(data, "getlist"):
            return data.getlist(name)
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        # A multiple picker with nothing chosen posts nothing, like a <select multiple>.
        return False if self.multiple else name not in data

    def chosen(self, values):
        """[{"value", "label"}] of the records `values` (ids) name, in their order."""
        field = getattr(self.choices, "field", None)
        ids = [value for value in values if value.isdigit()]
        if field is None or field.queryset is None or not ids:
            return []
        found = {str(record.pk): record for record in field.queryset.filter(pk__in=ids).prefetch_related(None)}
        return [{"value": pk, "label": field.label_from_instance(found[pk])} for pk in ids if pk in found]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        # The hidden input carries the field's value; the text box is only for typing.
        widget["attrs"].pop("required", None)
        chosen = self.chosen(widget["value"])
        widget.update(
            kind=self.kind,
            url=reverse(f"pick-{self.kind}", args=self.url_args),
            multiple=self.multiple,
            chosen=chosen,
            text="" if self.multiple or not chosen else chosen[0]["label"],
        )
        return context


class _Picking:
    """What the single and the multiple picker fields share: the scope and the
    masked names (a contact's name made of a masked last name reads masked)."""

    kind: str
    masked: frozenset[str] = frozenset()

    def scope_to(self, user):
        """Let the field choose among the records of its kind `user` may see."""
        self.queryset = SCOPES[self.kind](user)
        self.masked = frozenset(masked_fields(user, self.kind))

    def label_from_instance(self, record):
        shown = MaskedRecord(record, self.masked) if self.masked else record
        # A custom object's record is called by its name field.
        return str(getattr(shown, "name", None) or shown)


class RecordPicker(_Picking, forms.ModelChoiceField):
    """One record of `kind`, chosen with a picker; call scope_to(user) in the form."""

    def __init__(self, kind, **kwargs):
        self.kind = kind
        kwargs.pop("empty_label", None)
        super().__init__(queryset=kwargs.pop("queryset", None), widget=PickerInput(kind), **kwargs)


class RecordsPicker(_Picking, forms.ModelMultipleChoiceField):
    """Any number of records of `kind`, chosen one after the other with a picker."""

    def __init__(self, kind, **kwargs):
        self.kind = kind
        super().__init__(queryset=kwargs.pop("queryset", None), widget=PickerInput(kind, multiple=True), **kwargs)


class CustomRecordPicker(_Picking, forms.ModelChoiceField):
    """One record of the custom object `object_name` (crm.builder), chosen with
    a picker; call scope_to(user). A record's name is never masked."""

    kind = "object"

    def __init__(self, object_name, **kwargs):
        self.object_name = object_name
        kwargs.pop("empty_label", None)
        widget = PickerInput("object", url_args=[object_name])
        super().__init__(queryset=kwargs.pop("queryset", None), widget=widget, **kwargs)

    def scope_to(self, user):
        self.queryset = records_visible_to(user, self.object_name, fields=[])
