"""Reads of sales documents, scoped like every record: a document follows its
owner (crm.access.scope), and needs its module (quotes, orders)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from crm.access import scope
from crm.access.permissions import may_use_module
from crm.sales.models import DocumentSettings, Order, OrderLine, Quote, QuoteLine
from crm.sales.numbering import pattern_for

# The kinds of document that exist so far (contracts and invoices come later).
DOCUMENT_KINDS = ("quote", "order")

if TYPE_CHECKING:
    from crm.users.models import User


def quotes_visible_to(user: User) -> QuerySet[Quote]:
    """Quotes `user` may see (all versions), with owner, account and deal loaded."""
    if not may_use_module(user, "quotes"):
        return Quote.objects.none()
    return scope.visible(Quote.objects.select_related("owner", "account", "deal"), user)


def quote_get_for_user(user: User, pk: Any) -> Quote:
    """One quote `user` may see, its lines loaded; Http404 when missing or out of scope alike."""
    if not may_use_module(user, "quotes"):
        raise Http404
    lines = Prefetch("lines", queryset=QuoteLine.objects.select_related("product"))
    return scope.get_visible(
        Quote.objects.select_related("owner", "account", "deal", "contact", "price_list").prefetch_related(lines),
        user,
        pk,
    )


def versions_of(quote: Quote) -> QuerySet[Quote]:
    """Every version of `quote`'s number, newest first (the caller has checked `quote` is visible)."""
    return Quote.objects.filter(number=quote.number).order_by("-version")


def orders_visible_to(user: User) -> QuerySet[Order]:
    if not may_use_module(user, "orders"):
        return Order.objects.none()
    return scope.visible(Order.objects.select_related("owner", "account", "deal", "quote"), user)


def order_get_for_user(user: User, pk: Any) -> Order:
    if not may_use_module(user, "orders"):
        raise Http404
    lines = Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
    return scope.get_visible(
        Order.objects.select_related("owner", "account", "deal", "quote").prefetch_related(lines), user, pk
    )


def document_settings() -> DocumentSettings:
    """The company block of the tenant's documents (made empty on first use)."""
    found, _created = DocumentSettings.objects.get_or_create(pk=1)
    return found


def number_formats() -> dict[str, str]:
    """The format of each kind of document made so far, the tenant's or the default."""
    return {kind: pattern_for(kind) for kind in DOCUMENT_KINDS}
