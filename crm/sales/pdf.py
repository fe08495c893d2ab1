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
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from crm.access import permissions
from crm.contacts import names
from crm.deals.currencies import SYMBOLS, minor_units
from crm.sales import selectors
from crm.sales.models import DocumentSettings, Line, Order, Quote
from crm.web.money import grouped
from tenants.selectors import current_tenant
from tenants.time_zones import tenant_zone_name

if TYPE_CHECKING:
    from crm.users.models import User

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


def _lines(document: Quote | Order, lines: Iterable[Line]) -> list[PrintedLine]:
    currency = document.currency
    return [
        PrintedLine(
            position=number,
            description=line.description or (line.product.name if line.product is not None else ""),
            quantity=_quantity(line.quantity),
            unit=line.unit,
            # Unit prices keep up to 4 decimals (0.0125 is a real price): at least the minor unit.
            unit_price=money(line.unit_price, currency, places=max(minor_units(currency), _decimals(line.unit_price))),
            discount=_percent(line.discount) if line.discount else "",
            tax_rate=_percent(line.tax_rate),
            net=money(line.net, currency),
        )
        for number, line in enumerate(lines, start=1)
    ]


def _decimals(value: Decimal) -> int:
    exponent = Decimal(value).normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def render_pdf(
    document: Quote | Order,
    lines: Iterable[Line],
    *,
    company: DocumentSettings,
    language: str,
    zone: ZoneInfo,
    logo: str = "",
    contact_name: str | None = None,
) -> bytes:
    """`document` with `lines` as a PDF in `language` ("en" or "zh-hans"),
    dates in `zone`: the rendering alone, without the database. `contact_name`
    (default: the quote's contact's full name) is what is printed for the contact."""
    language = language if language in LANGUAGES else "en"
    contact = getattr(document, "contact", None)
    if contact_name is None:
        contact_name = contact.full_name if contact is not None else ""
    if isinstance(document, Quote):
        issued = document.sent_at or document.created_at
        extra: dict[str, Any] = {
            "kind": "quote",
            "number": document.number if document.version == 1 else f"{document.number} v{document.version}",
            "issued_on": timezone.localtime(issued, zone).date() if issued else None,
            "valid_until": document.valid_until,
            "terms": document.terms,
        }
    else:
        extra = {"kind": "order", "number": document.number, "issued_on": document.ordered_on}
    context = {
        "company": company,
        "logo": logo,
        "document": document,
        "lines": _lines(document, lines),
        "subtotal": money(document.subtotal, document.currency),
        "tax": money(document.tax, document.currency),
        "total": money(document.total, document.currency),
        "language": language,
        "contact_name": contact_name,
        **extra,
    }
    with translation.override(language), timezone.override(zone):
        html = render_to_string(TEMPLATE, context)
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()


def _contact_name(document: Quote | Order, reader: User | None) -> str | None:
    """The contact's name as `reader` may see it: a last name masked from them
    (crm.access) is left out, so the PDF shows no more than the record does."""
    contact = getattr(document, "contact", None)
    if contact is None or reader is None:
        return None
    last_name = "" if "last_name" in permissions.masked_fields(reader, "contacts") else contact.last_name
    return names.full_name(contact.first_name, last_name)


def _document_pdf(document: Quote | Order, language: str, reader: User | None) -> bytes:
    company = selectors.document_settings()
    zone = ZoneInfo(tenant_zone_name(current_tenant()))
    return render_pdf(
        document,
        document.lines.all(),
        company=company,
        language=language,
        zone=zone,
        logo=_logo_uri(company),
        contact_name=_contact_name(document, reader),
    )


def quote_pdf(quote: Quote, *, language: str, reader: User | None = None) -> bytes:
    """`quote` (its lines loaded or not) as a PDF in `language` ("en" or "zh-hans")
    for `reader`, dates in the company's zone."""
    return _document_pdf(quote, language, reader)


def order_pdf(order: Order, *, language: str, reader: User | None = None) -> bytes:
    """`order` as a PDF in `language` ("en" or "zh-hans") for `reader`."""
    return _document_pdf(order, language, reader)


def file_name(document: Quote | Order) -> str:
    """The attachment's name: the number (and version), safe in a header."""
    label = (
        document.number
        if isinstance(document, Order) or document.version == 1
        else (f"{document.number}-v{document.version}")
    )
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in label) + ".pdf"
