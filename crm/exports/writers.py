"""One writer per file format: header and rows in, bytes out.

Rows hold dates and moments as date objects (moments in the reader's zone) and
amounts as numbers: a CSV writes them as ISO text, a workbook as real date and
number cells (Excel knows no zones: a moment is written as its local time)."""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# Spreadsheets run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ... but a phone number in international form ("+86 138 0013 8000", "+1 (555) 010-2030")
# calls no function and references no cell: it is left readable.
_PHONE = re.compile(r"\+[0-9][0-9 ().-]*")


def defuse(value: Any) -> Any:
    """`value` as a spreadsheet shows it as text: a string that would start a
    formula gets a leading apostrophe, except a phone number. Every file this
    product writes for a spreadsheet (exports, the import error report) goes
    through this one rule."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PHONE.fullmatch(value):
        return "'" + value
    return value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([value.isoformat() if isinstance(value, date) else defuse(value) for value in row])
    return out.getvalue().encode("utf-8-sig")


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, (date, int, float, Decimal)):  # bool is an int: a TRUE/FALSE cell
        return value
    return defuse(value)


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Export") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write(file_format: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Export") -> bytes:
    if file_format == "xlsx":
        return write_xlsx(header, rows, title=title)
    return write_csv(header, rows)
