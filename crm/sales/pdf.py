"""Quotes and orders as PDF (issue 16): a Django template
(crm/templates/crm/sales/quote_pdf.html) laid out by WeasyPrint.

WeasyPrint shapes text with Debian's pango, and Chinese needs a CJK font on
the machine (`make ensure-weasyprint`, the Dockerfile); the template names it by
family, so a machine without it prints boxes rather than failing. The document is
in the reader's language and its dates in the company's time zone. Nothing
outside the document is fetched while rendering: the logo is inlined as a data:
URI and every other URL is refused (a description could otherwise point the
renderer at an internal address)."""

from __future__ import annotations

import base64
import datetime
import mimetypes
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from crm.deals.currencies import SYMBOLS, minor_units
from crm.sales import selectors
from crm.sales.models import DocumentSettings, Order, Quote
from crm.web.money import grouped
from tenants.selectors import current_tenant
from tenants.time_zones import tenant_zone_name

TEMPLATE = "crm/sales/quote_pdf.html"
LANGUAGES = ("en", "zh-hans")


@dataclass(frozen=True)
class PrintedLine:
    position: int
    description: str
    quantity: str
    unit: str
    unit_price: str
    discount: str
    tax_rate: str
    net: str


def money(amount: Decimal, currency: str, *, places: int | None = None) -> str:
    """`amount` with its currency's symbol (or code), to its minor unit unless `places` says otherwise."""
    text = grouped(amount, minor_units(currency) if places is None else places)
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{digits}" if symbol else f"{currency} {text}"


def _percent(rate: Decimal) -> str:
    value = (Decimal(rate) * 100).normalize()
    return f"{value:f}%"


def _quantity(quantity: Decimal) -> str:
    return f"{Decimal(quantity).normalize():f}"


def _logo_uri(company: DocumentSettings) -> str:
    """The logo as a data: URI ("" without one, or when its file is gone)."""
    if not company.logo:
        return ""
    try:
        with company.logo.open("rb") as handle:
            content = handle.read()
    except OSError:
        return ""
    kind = mimetypes.guess_type(company.logo.name)[0] or "image/png"
    return f"data:{kind};base64,{base64.b64encode(content).decode('ascii')}"


def _lines(document: Quote | Order) -> list[PrintedLine]:
    currency = document.currency
    return [
        PrintedLine(
            position=number,
            description=line.description or (line.product.name if line.product is not None else ""),
            quantity=_quantity(line.quantity),
            unit=line.unit,
            # Unit prices keep up to 4 decimals (0.0125 is a real price): at least the minor unit.
            unit_price=money(
                line.unit_price,
                currency,
                places=max(minor_units(currency), -Decimal(line.unit_price).normalize().as_tuple().exponent),  # type: ignore[operator]
            ),
            discount=_percent(line.discount) if line.discount else "",
            tax_rate=_percent(line.tax_rate),
            net=money(line.net, currency),
        )
        for number, line in enumerate(document.lines.all(), start=1)
    ]


def _render(context: dict[str, Any], language: str) -> bytes:
    language = language if language in LANGUAGES else "en"
    zone = ZoneInfo(tenant_zone_name(current_tenant()))
    with translation.override(language), timezone.override(zone):
        html = render_to_string(TEMPLATE, {**context, "language": language})
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()


def _company_context(document: Quote | Order) -> dict[str, Any]:
    company = selectors.document_settings()
    return {
        "company": company,
        "logo": _logo_uri(company),
        "document": document,
        "lines": _lines(document),
        "subtotal": money(document.subtotal, document.currency),
        "tax": money(document.tax, document.currency),
        "total": money(document.total, document.currency),
    }


def _company_date(moment: datetime.datetime | None) -> datetime.date | None:
    if moment is None:
        return None
    return timezone.localtime(moment, ZoneInfo(tenant_zone_name(current_tenant()))).date()


def quote_pdf(quote: Quote, *, language: str) -> bytes:
    """`quote` (its lines loaded or not) as a PDF in `language` ("en" or "zh-hans")."""
    return _render(
        {
            **_company_context(quote),
            "kind": "quote",
            "number": quote.number if quote.version == 1 else f"{quote.number} v{quote.version}",
            "issued_on": _company_date(quote.sent_at or quote.created_at),
            "valid_until": quote.valid_until,
            "terms": quote.terms,
        },
        language,
    )


def order_pdf(order: Order, *, language: str) -> bytes:
    """`order` as a PDF in `language` ("en" or "zh-hans")."""
    return _render(
        {
            **_company_context(order),
            "kind": "order",
            "number": order.number,
            "issued_on": order.ordered_on,
            "valid_until": None,
            "terms": "",
        },
        language,
    )


def file_name(document: Quote | Order) -> str:
    """The attachment's name: the number (and version), safe in a header."""
    label = (
        document.number
        if isinstance(document, Order) or document.version == 1
        else (f"{document.number}-v{document.version}")
    )
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in label) + ".pdf"
