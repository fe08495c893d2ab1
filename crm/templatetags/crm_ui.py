"""Template tags of the CRM pages: the sidebar and locale-aware money."""

from decimal import Decimal, InvalidOperation

from django import template
from django.template.defaultfilters import floatformat

from crm.web.nav import entries_for

register = template.Library()


@register.inclusion_tag("crm/_sidebar.html", takes_context=True)
def sidebar(context):
    request = context["request"]
    return {"entries": entries_for(request.user, request.path), "request": request}


@register.filter
def money(amount, currency=""):
    """`amount` to the cent with the active language's grouping and decimal mark, then the currency code."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    formatted = floatformat(value, "2g")
    return f"{formatted} {currency}".strip()


@register.filter
def query_without(listing, names):
    """`{{ listing|query_without:"sort,page" }}`: the list's filters as a query string without those."""
    return listing.query_without(names)
