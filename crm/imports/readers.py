"""Rows out of an uploaded file (.csv or .xlsx), read as a stream of
{column: text}, with every way a hostile or damaged file could hurt refused as
a ValidationError on `file` (a 400 for the uploader, a failed job in the worker),
never an exception a request would answer with a 500:

- a file is at most `settings.IMPORT_MAX_ROWS` rows (not counting empty ones)
  and MAX_COLUMNS columns wide;
- an XLSX file is read for the cells it has, never for the size its sheet
  claims (`<dimension ref="A1:XFD1048576">` made openpyxl pad every row to
  16,384 cells and every missing row up to row 1,048,576), from at most
  `settings.IMPORT_MAX_UNPACKED_BYTES` once unzipped, and with no DTD in any
  part: entities (billion laughs, external ones) are refused before openpyxl
  parses anything (defusedxml would do it for openpyxl; it is not a dependency);
- a CSV file is UTF-8 without NUL characters, its cells within the csv module's
  field limit; a bare CR is a line break, as in a file saved on an old Mac.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import IO, Any
from xml.parsers import expat

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_COLUMNS = 200
_CHUNK = 1 << 20
# Parts of an XLSX package openpyxl parses as XML, whatever else they are named.
_XML_PARTS = (".xml", ".rels")


def max_rows() -> int:
    """How many rows (not counting the header and empty rows) one file may have."""
    return int(settings.IMPORT_MAX_ROWS)


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _too_wide(where: int) -> ValidationError:
    return _refuse(_("Row %(row)d has more than %(n)d columns.") % {"row": where, "n": MAX_COLUMNS})


# CSV


def _csv_lines(content: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(_("A CSV file must be UTF-8.")) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise _refuse(_("Line %(line)d contains a NUL character: this is not a text file.") % {"line": line})
    # newline="": a CR, LF or CRLF ends a line, and one inside quotes stays in its cell.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            if len(cells) > MAX_COLUMNS and any(cell.strip() for cell in cells[MAX_COLUMNS:]):
                raise _too_wide(reader.line_num)
            cells = [cell.strip() for cell in cells[:MAX_COLUMNS]]
            if any(cells):
                yield reader.line_num, cells
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            message = _("Line %(line)d has a cell longer than %(limit)d characters (is a quote left open?).") % {
                "line": reader.line_num,
                "limit": csv.field_size_limit(),
            }
        else:
            message = _("The CSV file cannot be read near line %(line)d.") % {"line": reader.line_num}
        raise _refuse(message) from None


# XLSX


class _HasDtd(Exception):
    pass


def _no_dtd(*_args: object) -> None:
    raise _HasDtd


def _check_package(archive: zipfile.ZipFile) -> None:
    """Refuse a package too large once unzipped, or with a DTD (entities) or
    broken XML in any of its XML parts, before openpyxl reads it."""
    members = archive.infolist()
    # The sizes the package declares bound what unzipping can produce (zipfile
    # stops there and checks the CRC).
    if sum(member.file_size for member in members) > settings.IMPORT_MAX_UNPACKED_BYTES:
        raise _refuse(
            _("This XLSX file is too large once unpacked (at most %(n)d MB).")
            % {"n": settings.IMPORT_MAX_UNPACKED_BYTES // 2**20}
        )
    for member in members:
        if member.is_dir():
            continue
        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = _no_dtd
        parser.EntityDeclHandler = _no_dtd
        try:
            with archive.open(member) as part:
                while chunk := part.read(_CHUNK):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _HasDtd:
            raise _refuse(_("This XLSX file declares a DTD or entities; they are not accepted.")) from None
        except expat.ExpatError:
            # Not XML at all (an image) is no concern of ours; a broken XML part is.
            if member.filename.lower().endswith(_XML_PARTS):
                raise _refuse(_("This XLSX file is damaged.")) from None


def _xlsx_lines(content: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook
    from openpyxl.worksheet._reader import WorkSheetParser

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            _check_package(archive)
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except ValidationError:
        raise
    except Exception:  # openpyxl's failures on a hostile file are open-ended: each is a bad file
        raise _refuse(_("This is not an XLSX file.")) from None
    number = 0
    try:
        if not workbook.worksheets:
            return
        sheet: Any = workbook.worksheets[0]
        source: IO[bytes]
        with sheet._get_source() as source:
            # The parser the read-only sheet uses, without the sheet's padding of
            # rows and columns to the size the file claims.
            parser = WorkSheetParser(
                source,
                sheet._shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            for number, cells in parser.parse():
                found: dict[int, str] = {}
                for cell in cells:
                    text = _text(cell["value"])
                    if text:
                        if cell["column"] > MAX_COLUMNS:
                            raise _too_wide(number)
                        found[cell["column"]] = text
                if found:
                    yield number, [found.get(column, "") for column in range(1, max(found) + 1)]
    except ValidationError:
        raise
    except Exception:
        raise _refuse(_("This XLSX file is damaged near row %(row)d.") % {"row": number + 1}) from None
    finally:
        workbook.close()


# Both


def _lines(file_name: str, content: bytes) -> Iterator[tuple[int, list[str]]]:
    if file_name.lower().endswith(".xlsx"):
        return _xlsx_lines(content)
    if file_name.lower().endswith(".csv"):
        return _csv_lines(content)
    raise _refuse(_("Upload a .csv or .xlsx file."))


def stream(file_name: str, content: bytes) -> tuple[list[str], Iterator[dict[str, str]]]:
    """(header, the rows as they are read) of a .csv or .xlsx file, empty rows
    left out; ValidationError on `file` for a file that cannot be read, at once
    or while its rows are read (more than max_rows() of them included)."""
    lines = _lines(file_name, content)
    first = next(lines, None)
    if first is None:
        raise _refuse(_("The file is empty."))
    header = first[1]
    limit = max_rows()

    def records() -> Iterator[dict[str, str]]:
        for count, (_number, cells) in enumerate(lines, start=1):
            if count > limit:
                raise _refuse(_("At most %(n)d rows per file.") % {"n": limit})
            yield {column: (cells[i] if i < len(cells) else "") for i, column in enumerate(header) if column}

    return header, records()


def read(file_name: str, content: bytes, *, limit: int | None = None) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows) of a .csv or .xlsx file: every row, or the first `limit`
    ones (the rest of the file is not read); ValidationError on `file` otherwise."""
    header, records = stream(file_name, content)
    rows: list[dict[str, str]] = []
    for row in records:
        if limit is not None and len(rows) >= limit:
            break
        rows.append(row)
    return header, rows


def count(file_name: str, content: bytes) -> int:
    """How many rows the file has, reading all of it: ValidationError on `file`
    if any part of it cannot be read."""
    return sum(1 for _row in stream(file_name, content)[1])
