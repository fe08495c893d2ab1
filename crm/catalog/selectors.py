"""Reads of the catalogue. Products have no owner: whoever may use the products
module sees the whole catalogue (a quote needs it); `cost` is masked for the
roles the admin hides it from (crm.access.masking, applied by the callers that
show values)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404

from crm.access.permissions import may_use_module
from crm.catalog.models import Category, PriceList, PriceListItem, Product

if TYPE_CHECKING:
    from crm.accounts.models import Account
    from crm.users.models import User


def products_visible_to(user: User) -> QuerySet[Product]:
    """Every product when `user` may use the products module, none otherwise."""
    if not may_use_module(user, "products"):
        return Product.objects.none()
    return Product.objects.select_related("category")


def product_get_for_user(user: User, pk: Any) -> Product:
    """One product `user` may see; Http404 when missing or hidden alike."""
    try:
        return products_visible_to(user).get(pk=pk)
    except (Product.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def search_products(user: User, text: str, *, active_only: bool = True) -> QuerySet[Product]:
    """Products whose SKU or name contains `text` (what a quote line's picker offers)."""
    queryset = products_visible_to(user)
    if active_only:
        queryset = queryset.filter(active=True)
    text = text.strip()
    if text:
        queryset = queryset.filter(Q(sku__icontains=text) | Q(name__icontains=text))
    return queryset


def categories() -> QuerySet[Category]:
    return Category.objects.select_related("parent")


def category_tree() -> list[tuple[Category, int]]:
    """Every category with its depth, parents before their children, siblings by name."""
    children: dict[int | None, list[Category]] = {}
    for category in Category.objects.order_by("name", "id"):
        children.setdefault(category.parent_id, []).append(category)
    tree: list[tuple[Category, int]] = []
    stack = [(c, 0) for c in reversed(children.get(None, []))]
    while stack:
        category, depth = stack.pop()
        tree.append((category, depth))
        stack.extend((c, depth + 1) for c in reversed(children.get(category.pk, [])))
    return tree


def price_lists_visible_to(user: User) -> QuerySet[PriceList]:
    if not may_use_module(user, "products"):
        return PriceList.objects.none()
    return PriceList.objects.prefetch_related("items")


def price_list_get_for_user(user: User, pk: Any) -> PriceList:
    try:
        return price_lists_visible_to(user).get(pk=pk)
    except (PriceList.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def price_list_for(account: Account | None, currency: str) -> PriceList | None:
    """The price list a document for `account` in `currency` uses: the active
    list of that currency for the account's level, else the active list of that
    currency for every level, else None (list prices)."""
    lists = PriceList.objects.filter(active=True, currency=currency)
    level = getattr(account, "level", "") or ""
    return (level and lists.filter(account_level=level).first()) or lists.filter(account_level="").first()


@dataclass(frozen=True)
class Price:
    unit_price: Decimal
    # None: the product's list price (the product is in the document's currency and no list has it).
    price_list: PriceList | None


def price_for(product: Product, *, quantity: Decimal, currency: str, price_list: PriceList | None) -> Price | None:
    """The unit price of `quantity` of `product` in `currency`: the tier of
    `price_list` with the highest "from quantity" not above `quantity`, else the
    product's list price when it is in `currency`, else None (no price: the line
    needs one typed)."""
    if price_list is not None:
        tier = (
            PriceListItem.objects.filter(price_list=price_list, product=product, min_quantity__lte=quantity)
            .order_by("-min_quantity")
            .first()
        )
        if tier is not None:
            return Price(tier.unit_price, price_list)
    if product.currency == currency:
        return Price(product.unit_price, None)
    return None
