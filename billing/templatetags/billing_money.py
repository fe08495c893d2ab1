from decimal import Decimal, InvalidOperation

from django import template

from crm.web.money import money

register = template.Library()


@register.filter
def cents(amount, currency=""):
    """Stripe's minor units as money: 9900 cny → "¥99.00", 1500 usd → "$15.00"
    (the catalog's currencies have two decimals)."""
    try:
        value = Decimal(str(amount)) / 100
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return money(value, currency)
