"""Amounts as people read them, in either language: digits grouped in threes
with a comma ("74,800.00"; Chinese business writing groups by three too, which
Django's zh-hans format, with no separator, would not), and the currency's
symbol before them ("¥74,800.00", "$1,200.00", "€9.50") or, for a currency
without one here, its code ("GBP 3,000.00")."""

from decimal import Decimal, InvalidOperation

from django.utils import numberformat
from django.utils.formats import get_format

from crm.deals.currencies import SYMBOLS


def grouped(value: object, places: int = 2) -> str:
    """`value` to `places` decimals with its thousands grouped; "" when it is no number."""
    try:
        number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, TypeError, ValueError):
        return ""
    if not number.is_finite():
        return ""
    return numberformat.format(
        number,
        str(get_format("DECIMAL_SEPARATOR")),
        decimal_pos=places,
        grouping=3,
        thousand_sep=",",
        force_grouping=True,
    )


def money(amount: object, currency: str = "") -> str:
    """`amount` with its currency's symbol ("¥74,800.00") or code ("GBP 3,000.00")."""
    text = grouped(amount)
    if not text or not currency:
        return text
    code = str(currency).upper()
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    if code in SYMBOLS:
        return f"{sign}{SYMBOLS[code]}{digits}"
    return f"{code} {text}"
