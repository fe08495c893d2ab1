"""What sign-up offers from the plan catalog (settings.BILLING_PLANS): the plans
of a currency, the currency a company most likely pays in, and prices as text.

Read from settings, not from billing's Plan rows: tenants/ sits below billing/
(ARCHITECTURE.md), and the catalog is defined in settings anyway. Billing opens
the subscription on the plan the tenant chose (Tenant.plan)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.conf import settings

CNY = "cny"
USD = "usd"
# Mainland China's IANA zones: a company there pays in yuan.
CHINA_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi", "PRC"})
SYMBOLS = {USD: "$", CNY: "¥"}


def _catalog() -> dict[str, dict[str, Any]]:
    return cast("dict[str, dict[str, Any]]", settings.BILLING_PLANS)


@dataclass(frozen=True)
class OfferedPlan:
    code: str
    name: str
    currency: str
    month: int
    year: int


def currencies() -> list[str]:
    """The currencies the catalog has plans in, in catalog order."""
    seen: list[str] = []
    for spec in _catalog().values():
        currency = spec["currency"].lower()
        if currency not in seen:
            seen.append(currency)
    return seen


def offered(currency: str | None = None) -> list[OfferedPlan]:
    """The catalog's plans, only those of `currency` when given, cheapest first."""
    plans = [
        OfferedPlan(code, spec["name"], spec["currency"].lower(), spec["month"], spec["year"])
        for code, spec in _catalog().items()
    ]
    if currency:
        plans = [plan for plan in plans if plan.currency == currency.lower()]
    return sorted(plans, key=lambda plan: (plan.month, plan.code))


def plan_currency(code: str) -> str | None:
    spec = _catalog().get(code)
    return spec["currency"].lower() if spec else None


def default_currency(*, language: str | None, time_zone: str | None) -> str:
    """CNY for a sign-up in Chinese or from a mainland China time zone, else USD
    (when the catalog has plans in it)."""
    chinese = (language or "").lower().startswith("zh") or (time_zone or "") in CHINA_ZONES
    currency = CNY if chinese else USD
    return currency if currency in currencies() else (currencies() or [USD])[0]


def default_plan(currency: str) -> str:
    """The plan a sign-up in `currency` gets when it did not choose one."""
    code = settings.BILLING_DEFAULT_PLANS.get(currency, "")
    if plan_currency(code) == currency:
        return code
    plans = offered(currency)
    return plans[0].code if plans else settings.BILLING_DEFAULT_PLAN


def price_text(minor_units: int, currency: str) -> str:
    """ "¥99.00", "$15.00"; the code for a currency without a symbol here ("EUR 9.00")."""
    amount = f"{Decimal(minor_units) / 100:,.2f}"
    symbol = SYMBOLS.get(currency.lower())
    return f"{symbol}{amount}" if symbol else f"{currency.upper()} {amount}"
