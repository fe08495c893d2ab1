"""Document numbers: per tenant, unique and gapless per kind and year
(QT-2026-0001), in the tenant's format (docs/decisions/015).

`next_number` must run inside the transaction that creates the document: it
locks the kind's sequence row for the year until that transaction ends, so
concurrent creations queue for the next number, and a creation that fails
rolls its number back with it. The year is the company's (its time zone):
a quote made at 00:30 on 1 January in Shanghai is numbered in the new year."""

from __future__ import annotations

import datetime
import string
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.sales.models import NumberFormat, NumberSequence
from tenants.selectors import current_tenant
from tenants.time_zones import tenant_zone_name

# Kind -> default format. {year} is the four-digit year, {seq} the number in
# the year ({seq:04} pads it to four digits).
DEFAULT_FORMATS = {
    "quote": "QT-{year}-{seq:04}",
    "order": "SO-{year}-{seq:04}",
    "contract": "CT-{year}-{seq:04}",
    "invoice": "INV-{year}-{seq:04}",
}
_FIELDS = {"year", "seq"}


def company_today() -> datetime.date:
    """Today in the company's time zone: the year a document is numbered in."""
    return timezone.localdate(timezone=ZoneInfo(tenant_zone_name(current_tenant())))


def pattern_for(kind: str) -> str:
    saved = NumberFormat.objects.filter(kind=kind).values_list("pattern", flat=True).first()
    return saved or DEFAULT_FORMATS[kind]


def check_pattern(pattern: str) -> str:
    """`pattern` if it formats (only {year} and {seq}, {seq} required), else a
    ValidationError on `pattern` saying what is wrong."""
    pattern = pattern.strip()
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(pattern) if name is not None}
        if "seq" not in names:
            raise ValidationError({"pattern": [_("A number format needs {seq}, the number within the year.")]})
        if names - _FIELDS:
            raise ValidationError({"pattern": [_("A number format may only use {year} and {seq}.")]})
        sample = pattern.format(year=2026, seq=1)
    except (ValueError, IndexError, KeyError):
        raise ValidationError({"pattern": [_("This number format cannot be used: check its braces.")]}) from None
    if len(sample) > 30:
        raise ValidationError({"pattern": [_("Numbers in this format would be too long.")]})
    return pattern


def next_number(kind: str, *, on: datetime.date | None = None) -> str:
    """The next number of `kind` for the year of `on` (default: the company's today)."""
    if not connection.in_atomic_block:
        raise RuntimeError("next_number() must run inside the transaction that creates the document")
    year = (on or company_today()).year
    # Insert the year's row if it is missing (a no-op when another transaction
    # has it), then lock it: the second of two first-of-the-year creations waits.
    NumberSequence.objects.bulk_create([NumberSequence(kind=kind, year=year)], ignore_conflicts=True)
    sequence = NumberSequence.objects.select_for_update().get(kind=kind, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return pattern_for(kind).format(year=year, seq=sequence.last)


@transaction.atomic
def set_pattern(*, kind: str, pattern: str) -> NumberFormat:
    """Save the tenant's format for `kind` (numbers already given keep theirs)."""
    if kind not in DEFAULT_FORMATS:
        raise ValidationError({"kind": [_("No such kind of document.")]})
    saved, _created = NumberFormat.objects.update_or_create(kind=kind, defaults={"pattern": check_pattern(pattern)})
    return saved
