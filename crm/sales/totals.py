"""A document's amounts, exactly (docs/decisions/015).

Per line: net = quantity × unit price × (1 − discount), rounded to the
currency's minor unit; tax = net × tax rate, rounded the same way (as a
Chinese VAT invoice computes tax line by line). Per document: subtotal = Σ
net, tax = Σ tax, total = subtotal + tax. Rounding is halves away from zero
(crm.deals.currencies.round_money), so what is printed on each line adds up
to the printed total."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from crm.deals.currencies import round_money


class LineValues(Protocol):
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    max_discount: Decimal


def line_amounts(
    *, quantity: Decimal, unit_price: Decimal, discount: Decimal, tax_rate: Decimal, currency: str
) -> tuple[Decimal, Decimal]:
    """(net, tax) of one line, each rounded to `currency`'s minor unit."""
    net = round_money(Decimal(quantity) * Decimal(unit_price) * (1 - Decimal(discount)), currency)
    return net, round_money(net * Decimal(tax_rate), currency)


def price_lines(lines: Iterable[LineValues], currency: str) -> Totals:
    """Set each line's `net` and `tax`, and return the document's totals."""
    subtotal = tax = max_discount = Decimal(0)
    for line in lines:
        line.net, line.tax = line_amounts(
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            tax_rate=line.tax_rate,
            currency=currency,
        )
        subtotal += line.net
        tax += line.tax
        max_discount = max(max_discount, Decimal(line.discount))
    return Totals(subtotal=subtotal, tax=tax, total=subtotal + tax, max_discount=max_discount)
