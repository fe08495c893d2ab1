"""Checking the lines a quote or an order is given, the same for every entry
point (API, pages, import): each line is a mapping with `product` (a Product
or None), `description`, `quantity`, and optionally `unit_price` (default: the
price list's or the product's price), `discount` and `tax_rate` (default: the
product's)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.catalog import selectors as catalog
from crm.catalog.models import PriceList
from crm.sales.models import Line

MAX_LINES = 500
_LIMIT = Decimal(10) ** 13


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValueError from None
    if not number.is_finite():
        raise ValueError
    return number


def build_lines(
    rows: Iterable[Mapping[str, Any]], *, line_class: type[Line], currency: str, price_list: PriceList | None
) -> list[Any]:
    """Unsaved `line_class` rows, priced from `price_list` where no unit price is
    given. A ValidationError on `lines` names every wrong line ("Line 2: ...")
    and nothing is built when one is wrong."""
    rows = list(rows)
    if len(rows) > MAX_LINES:
        raise ValidationError({"lines": [_("A document has at most %(max)d lines.") % {"max": MAX_LINES}]})
    built, errors = [], []
    for index, row in enumerate(rows, start=1):
        problems: list[str] = []
        product = row.get("product")
        try:
            quantity = _decimal(row.get("quantity", 1))
            unit_price = _decimal(row.get("unit_price"))
            discount = _decimal(row.get("discount")) or Decimal(0)
            tax_rate = _decimal(row.get("tax_rate"))
        except ValueError:
            errors.append(_("Line %(n)d: enter numbers for the quantity, price, discount and tax rate.") % {"n": index})
            continue
        if quantity is None or quantity <= 0 or quantity >= _LIMIT or quantity != round(quantity, 3):
            problems.append(_("the quantity must be above 0, with at most 3 decimals"))
        if product is not None and not product.active:
            problems.append(_("%(product)s is no longer sold") % {"product": product.name})
        if product is None and not str(row.get("description") or "").strip():
            problems.append(_("choose a product or describe the line"))
        if unit_price is None and product is not None and quantity is not None and quantity > 0:
            price = catalog.price_for(product, quantity=quantity, currency=currency, price_list=price_list)
            unit_price = price.unit_price if price is not None else None
        if unit_price is None:
            problems.append(_("enter a unit price (the product has no price in %(currency)s)") % {"currency": currency})
        elif unit_price < 0 or unit_price >= _LIMIT or unit_price != round(unit_price, 4):
            problems.append(_("the unit price must be 0 or more, with at most 4 decimals"))
        if not (0 <= discount <= 1) or discount != round(discount, 4):
            problems.append(_("the discount is a fraction from 0 to 1, such as 0.15 for 15 %"))
        if tax_rate is None:
            tax_rate = product.tax_rate if product is not None else Decimal(0)
        if not (0 <= tax_rate <= 1) or tax_rate != round(tax_rate, 4):
            problems.append(_("the tax rate is a fraction from 0 to 1, such as 0.13 for 13 %"))
        if problems:
            errors.append(_("Line %(n)d: %(problems)s.") % {"n": index, "problems": "; ".join(problems)})
            continue
        assert quantity is not None and unit_price is not None  # (the checks above said so)
        built.append(
            line_class(
                position=index,
                product=product,
                description=str(row.get("description") or (product.name if product is not None else ""))[:500],
                quantity=quantity,
                unit=str(row.get("unit") or (product.unit if product is not None else ""))[:20],
                unit_price=unit_price,
                discount=discount,
                tax_rate=tax_rate,
            )
        )
    if errors:
        raise ValidationError({"lines": errors})
    return built
