"""Template tags of the CRM pages: the sidebar, locale-aware money and history entries."""

from django import template

from crm.audit import sentences
from crm.web.money import money as money_text
from crm.web.nav import entries_for

register = template.Library()


@register.inclusion_tag("crm/_sidebar.html", takes_context=True)
def sidebar(context):
    request = context["request"]
    return {"entries": entries_for(request.user, request.path), "request": request}


@register.filter
def money(amount, currency=""):
    """`amount` to the cent, grouped in threes, after its currency's symbol
    ("¥74,800.00") or code ("GBP 3,000.00"), in every language (crm.web.money)."""
    return money_text(amount, currency)


@register.filter
def query_without(listing, names):
    """`{{ listing|query_without:"sort,page" }}`: the list's filters as a query string without those."""
    return listing.query_without(names)


@register.simple_tag
def history_sentence(event):
    """A history row as a sentence in the user's language (crm.audit.sentences)."""
    return sentences.sentence(event.action, event.actor, event.payload)


@register.simple_tag
def payload_entry(key, value):
    """One entry of a history row's payload as read: a custom field's change
    ({"label", "old", "new"}, crm.builder) as "Label: old → new"; any other as "key: value"."""
    if isinstance(value, dict) and {"label", "old", "new"} <= value.keys():
        return f"{value['label']}: {_plain(value['old'])} → {_plain(value['new'])}"
    return f"{key}: {value}"


def _plain(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
