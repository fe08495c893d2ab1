"""Quotes through the approval engine (kind "quote", registered in SalesConfig.ready):
a tenant's flow for quotes says e.g. "largest discount above 0.15, or total
above 100,000: the manager, then a director"."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy

from crm.approvals.registry import ValueField
from crm.sales.models import Quote
from crm.sales.selectors import quote_get_for_user
from crm.users.models import User

KIND = "quote"
LABEL = gettext_lazy("Quote")
FIELDS = (
    ValueField("total", gettext_lazy("Total"), "decimal", masked_as=("quotes", "total")),
    ValueField("subtotal", gettext_lazy("Subtotal"), "decimal", masked_as=("quotes", "subtotal")),
    ValueField("max_discount", gettext_lazy("Largest discount (0.15 = 15 %)"), "decimal"),
    ValueField("currency", gettext_lazy("Currency"), "text"),
    ValueField("owner", gettext_lazy("Owner"), "user"),
)


def values(quote: Quote) -> dict[str, Any]:
    return {
        "total": quote.total,
        "subtotal": quote.subtotal,
        "max_discount": quote.max_discount,
        "currency": quote.currency,
        "owner": quote.owner_id,
    }


def get_for_user(user: User, pk: Any) -> Quote:
    return quote_get_for_user(user, pk)


def get(pk: Any) -> Quote:
    try:
        return Quote.objects.select_related("owner").get(pk=pk)
    except (Quote.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def on_decided(quote: Quote, outcome: str, by: User | None) -> None:
    from crm.sales.services.quotes import on_approval_decided

    on_approval_decided(quote, outcome, by)


def url(quote: Quote) -> str:
    # The quote's page comes with the sales pages; until then its API record.
    return reverse("quote-detail", args=[quote.pk])
