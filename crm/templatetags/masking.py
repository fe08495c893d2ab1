"""Printing a field that may be masked (crm.web.masking): `{% if c.phone|is_masked %}`
to print it without its link, `{{ d.amount|money_or_mask:d.currency }}` and
`{{ a.last_contacted_at|date_or_mask:"SHORT_DATE_FORMAT" }}` for amounts and
dates, which the money and date filters would turn into an empty string;
`{% shown "contacts" t.contact %}` for a related record the view did not mask
(its name may be made of masked fields)."""

from django import template
from django.template.defaultfilters import date

from crm.templatetags.crm_ui import money
from crm.web.masking import MASK, masks_for

register = template.Library()


@register.filter
def is_masked(value):
    return value == MASK


@register.filter
def money_or_mask(amount, currency=""):
    return MASK if amount == MASK else money(amount, currency)


@register.filter
def date_or_mask(value, arg=None):
    return MASK if value == MASK else date(value, arg)


@register.simple_tag
def mask():
    """What a masked value reads, for totals of a masked field."""
    return MASK


@register.simple_tag(takes_context=True)
def shown(context, module, record):
    """`record` (of `module`) as text, as the request's user may see it."""
    if record is None:
        return ""
    return str(masks_for(context["request"]).record(module, record))
