"""How a custom field's value reads on a page: `{% custom_value record field %}`
in a list row (the record carries the value under the field's API key) and
`{% show_value field value %}` on a detail page. Lookups need `lookup_names`
in the context (crm.web.custom_fields.lookup_names), loaded once per page."""

from datetime import date, datetime

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from crm.access.permissions import MASK
from crm.web.money import grouped

register = template.Library()


def _chip(choice):
    if choice.get("color"):
        return format_html('<span class="chip" style="--chip: {}">{}</span>', choice["color"], choice["label"])
    return format_html('<span class="chip">{}</span>', choice["label"])


def render_value(field, value, names=None):
    if value is None or value == "" or value == []:
        return ""
    if value == MASK:
        # A field masked for the user's role (crm.web.masking): whatever its type, it reads as the mask.
        return MASK
    kind = field.type
    if kind == "boolean":
        return _("Yes") if value else _("No")
    if kind in ("choice", "multi_choice"):
        by_value = {c["value"]: c for c in field.choices or ()}
        chosen = value if isinstance(value, (list, tuple)) else [value]
        return format_html_join(" ", "{}", ((_chip(by_value.get(v, {"value": v, "label": v})),) for v in chosen))
    if kind == "lookup":
        name, url = (names or {}).get((field.target, value), (None, None))
        if name is None:
            return format_html('<span class="muted">#{}</span>', value)
        return format_html('<a href="{}">{}</a>', url, name) if url else name
    if kind == "datetime" and isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if kind == "date" and isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if kind in ("decimal", "currency"):
        return grouped(value, field.decimal_places or 0)
    if kind == "email":
        return format_html('<a href="mailto:{}">{}</a>', value, value)
    if kind == "url":
        return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', value, value)
    if kind == "phone":
        return format_html('<a href="tel:{}">{}</a>', value, value)
    return str(value)


@register.simple_tag(takes_context=True)
def custom_value(context, record, field):
    names = context.get("lookup_names") or getattr(context.get("listing"), "lookup_names", None)
    return render_value(field, getattr(record, field.api_key, None), names)


@register.simple_tag(takes_context=True)
def show_value(context, field, value):
    return render_value(field, value, context.get("lookup_names"))


@register.filter
def get_param(params, key):
    """`{{ listing.params|get_param:key }}`: a filter's current value ("" when unset)."""
    return params.get(key, "")


@register.filter
def range_input(type_name):
    """The <input type> of a from/to filter on a field of `type_name`."""
    return {"date": "date", "datetime": "datetime-local"}.get(type_name, "number")
