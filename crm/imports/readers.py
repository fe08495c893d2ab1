"""Rows out of an uploaded file: a list of {column: text} per format."""

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_ROWS = 10_000


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _records(header: Sequence[Any], rows: Iterable[Sequence[object]]) -> tuple[list[str], list[dict[str, str]]]:
    header = [_text(cell) for cell in header]
    found: list[dict[str, str]] = []
    for row in rows:
        cells = [_text(cell) for cell in row]
        if not any(cells):
            continue
        found.append({column: (cells[i] if i < len(cells) else "") for i, column in enumerate(header) if column})
        if len(found) > MAX_ROWS:
            raise ValidationError({"file": [_("At most %(n)d rows per file.") % {"n": MAX_ROWS}]})
    return header, found


def read_csv(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": [_("A CSV file must be UTF-8.")]}) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValidationError({"file": [_("The file is empty.")]})
    return _records(rows[0], rows[1:])


def read_xlsx(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ValidationError({"file": [_("This is not an XLSX file.")]}) from None
    rows = list(workbook.worksheets[0].iter_rows(values_only=True)) if workbook.worksheets else []
    if not rows:
        raise ValidationError({"file": [_("The file is empty.")]})
    return _records(rows[0], rows[1:])


def read(file_name: str, content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows) of a .csv or .xlsx file; ValidationError on `file` otherwise."""
    if file_name.lower().endswith(".xlsx"):
        return read_xlsx(content)
    if file_name.lower().endswith(".csv"):
        return read_csv(content)
    raise ValidationError({"file": [_("Upload a .csv or .xlsx file.")]})
