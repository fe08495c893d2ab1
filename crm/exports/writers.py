"""One writer per file format: header and rows in, bytes out."""

import csv
import io

from openpyxl import Workbook

CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# Spreadsheets run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(value) for value in row])
    return out.getvalue().encode("utf-8-sig")


def write_xlsx(header, rows, *, title="Export"):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([_safe(value) if not isinstance(value, (int, float)) else value for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write(file_format, header, rows, *, title="Export"):
    if file_format == "xlsx":
        return write_xlsx(header, rows, title=title)
    return write_csv(header, rows)
