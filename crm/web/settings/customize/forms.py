"""Forms of the Customize pages (the module builder). As everywhere in the UI
they only parse input: crm.builder.services validates names, limits and
options and makes the columns, and its errors come back with add_service_errors."""

import datetime
import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.web.custom_fields import BUILT_IN_LABELS, TYPE_LABELS, form_field

# The options each field type has, beyond label, required, default and help text.
TYPE_OPTIONS = {
    "text": ("unique", "max_length"),
    "long_text": ("max_length",),
    "integer": ("unique", "min_value", "max_value"),
    "decimal": ("unique", "min_value", "max_value", "decimal_places"),
    "currency": ("unique", "min_value", "max_value", "decimal_places"),
    "date": ("unique",),
    "datetime": ("unique",),
    "boolean": (),
    "choice": ("choices",),
    "multi_choice": ("choices",),
    "email": ("unique",),
    "url": ("unique",),
    "phone": ("unique",),
    "lookup": ("target",),
}
OPTIONS = ("unique", "max_length", "min_value", "max_value", "decimal_places", "choices", "target")
# Types whose default is typed like a value of the field (the others take none).
NO_DEFAULT = ("lookup", "multi_choice")
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def choices_text(choices):
    """The choices as the textarea shows them: one per line, `value = label #colour`."""
    lines = []
    for choice in choices or ():
        line = choice["value"] if choice["label"] == choice["value"] else f"{choice['value']} = {choice['label']}"
        if choice.get("color"):
            line += f" {choice['color']}"
        lines.append(line)
    return "\n".join(lines)


def parse_choices(text):
    """[{"value", "label", "color"}] from the textarea, in its order."""
    choices = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        color = ""
        head, _space, last = line.rpartition(" ")
        if last.startswith("#"):
            if not _COLOUR.match(last):
                raise forms.ValidationError(_("Line %(line)d: a colour is written #rgb or #rrggbb.") % {"line": number})
            color, line = last, head.strip()
        value, equals, label = line.partition("=")
        value, label = value.strip(), label.strip()
        if not equals:
            label = value
        if not value or not label:
            raise forms.ValidationError(_("Line %(line)d: give a value and a label.") % {"line": number})
        choices.append({"value": value, "label": label, "color": color})
    return choices


def _targets():
    from crm.builder.selectors import custom_objects

    return [(name, label) for name, label in BUILT_IN_LABELS.items()] + [
        (obj.name, obj.label_plural) for obj in custom_objects()
    ]


class FieldForm(forms.Form):
    """A new field (with `type_name`) or the options of an existing one (`field`:
    its CustomField row; name and type then stay as they are)."""

    label = forms.CharField(label=_("Label"), max_length=100)
    name = forms.CharField(
        label=_("Name"),
        max_length=40,
        required=False,
        help_text=_(
            "Lowercase letters, digits and _; the key in the API, imports and exports. "
            "Made from the label when empty (field_1, field_2, … for a label without Latin letters); "
            "it cannot change later."
        ),
    )
    type = forms.ChoiceField(label=_("Type"), choices=list(TYPE_LABELS.items()))
    required = forms.BooleanField(label=_("Required"), required=False)
    unique = forms.BooleanField(label=_("Unique: no two records may have the same value"), required=False)
    max_length = forms.IntegerField(label=_("Maximum length"), min_value=1, required=False)
    min_value = forms.DecimalField(label=_("Minimum"), required=False)
    max_value = forms.DecimalField(label=_("Maximum"), required=False)
    decimal_places = forms.IntegerField(label=_("Decimal places"), min_value=0, max_value=8, initial=2)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One per line, in the order shown: a label, or value = label; a colour may follow, e.g. hot = Hot #dc2626"
        ),
    )
    target = forms.ChoiceField(label=_("Points at"), choices=(), required=False)
    help_text = forms.CharField(
        label=_("Help text"), max_length=255, required=False, help_text=_("Shown under the field on forms.")
    )
    show_on_list = forms.BooleanField(label=_("Show as a column on the list"), required=False, initial=True)

    def __init__(self, *args, type_name, field=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.type_name = type_name
        self.field = field
        options = TYPE_OPTIONS.get(type_name, ())
        for name in OPTIONS:
            if name not in options:
                del self.fields[name]
        if "target" in self.fields:
            self.fields["target"].choices = _targets()
            self.fields["target"].required = True
        if field is not None:
            # Name, type, decimal places and a lookup's target are the column's; only the options change.
            for name in ("name", "type", "show_on_list", "target", "decimal_places"):
                self.fields.pop(name, None)
        if type_name == "lookup":
            # Deleting the record a lookup points at empties it, so it cannot be required.
            del self.fields["required"]
        if type_name not in NO_DEFAULT:
            self.fields["default"] = self._default_field(type_name, user)
        # Help text last, after the options of the type.
        self.order_fields(
            [name for name in self.fields if name not in ("help_text", "show_on_list")] + ["help_text", "show_on_list"]
        )

    def _default_field(self, type_name, user):
        """A default typed like the field's values (a choice's: one of its values)."""
        from crm.builder.selectors import FieldDef

        shape = FieldDef(
            name="default",
            label=_("Default value"),
            type=type_name,
            column="",
            api_key="default",
            decimal_places=2,
            choices=list(getattr(self.field, "choices", None) or []),
        )
        if type_name == "choice" and not shape.choices:
            made = forms.CharField(
                label=_("Default value"), required=False, max_length=100, help_text=_("One of the choices' values.")
            )
        else:
            made = form_field(shape, user)
            made.required = False
            made.help_text = _("What a new record gets when the field is left empty.")
        if type_name == "boolean":
            made = forms.TypedChoiceField(
                label=_("Default value"),
                required=False,
                choices=(("", "—"), ("true", _("Yes")), ("false", _("No"))),
                coerce=lambda value: value == "true",
                empty_value=None,
            )
        return made

    def clean_name(self):
        # Empty: the builder makes one from the label, or "field_<n>" for a label
        # without Latin letters (crm.builder.services.names.generated_name).
        return self.cleaned_data.get("name", "").strip()

    def clean_choices(self):
        choices = parse_choices(self.cleaned_data.get("choices", ""))
        if not choices:
            raise forms.ValidationError(_("Give at least one choice."))
        return choices

    def options(self):
        """What the service takes: the type's options and the rest, by name."""
        values = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("name", "type", "label", "show_on_list")
        }
        if "default" in values:
            values["default"] = _as_json(values["default"])
        return values


def _as_json(value):
    """A default as the builder stores it (JSON): numbers as strings, dates in ISO 8601."""
    if value in ("", None):
        return None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


class ObjectForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=100, help_text=_("One record, e.g. Vehicle."))
    label_plural = forms.CharField(
        label=_("Plural label"), max_length=100, help_text=_("The list and the menu entry, e.g. Vehicles.")
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=40,
        required=False,
        help_text=_(
            "Lowercase letters, digits and _; the address in the API "
            "(/api/v1/objects/<name>/). Made from the label when empty "
            "(obj_1, obj_2, … for a label without Latin letters)."
        ),
    )
    icon = forms.CharField(
        label=_("Icon"),
        max_length=40,
        required=False,
        help_text=_("An emoji or a short text shown in the menu, e.g. 🚗."),
    )

    def clean_name(self):
        # Empty: the builder makes one from the label, or "obj_<n>" for a label
        # without Latin letters (crm.builder.services.names.generated_name).
        return self.cleaned_data.get("name", "").strip()
