"""Reading hostile import files (crm/imports/readers.py): how long one takes to
be read, or refused, in the process that reads it (the web request for a file
of at most IMPORT_INLINE_ROWS rows, the worker otherwise). No database: the
readers need only Django's settings.

Files (each built here, in memory):
  claimed-size   ~2 KB XLSX of 2 rows whose sheet claims A1:XFD1048576 and has a
                 row numbered 99,999,999 (openpyxl's read-only sheet pads every row
                 to 16,384 cells and every missing row up to the claimed height:
                 before the fix this kept a request busy for minutes)
  wide-rows      XLSX of 5,000 rows each with an empty styled cell at XFD
  many-rows      CSV of IMPORT_MAX_ROWS + 1 rows (refused at the limit)
  billion-laughs XLSX whose sheet declares nested entities (refused before parsing)

    .venv/bin/python bench/import_files.py [--runs 5]

Target: every file read or refused in under 1 s (many-rows: under 2 s).
"""

import argparse
import io
import os
import statistics
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def xlsx(rows, rewrite):
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    rewritten = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = rewrite(data.decode()).encode()
            target.writestr(name, data)
    return rewritten.getvalue()


def files():
    from django.conf import settings

    claimed = xlsx(
        [["name", "industry"], ["Claimed Co", "Mining"]],
        lambda xml: xml.replace('<dimension ref="A1:B2" />', '<dimension ref="A1:XFD1048576" />').replace(
            "</sheetData>", '<row r="99999999"><c r="XFD99999999" /></row></sheetData>'
        ),
    )
    wide_rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Co {n}</t></is></c><c r="XFD{n}" s="0"/></row>'
        for n in range(2, 5002)
    )
    wide = xlsx(
        [["name"]],
        lambda xml: xml.replace("</sheetData>", wide_rows + "</sheetData>").replace('<row r="2">', '<row r="0">'),
    )
    many = ("name\n" + "".join(f"Co {n}\n" for n in range(settings.IMPORT_MAX_ROWS + 1))).encode()
    laughs = xlsx(
        [["name"], ["x"]],
        lambda xml: (
            '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
            + "]>"
            + xml.replace("<t>x</t>", "<t>&i;</t>")
        ),
    )
    return {
        "claimed-size": ("a.xlsx", claimed),
        "wide-rows": ("a.xlsx", wide),
        "many-rows": ("a.csv", many),
        "billion-laughs": ("a.xlsx", laughs),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.exceptions import ValidationError

    from crm.imports import readers

    for label, (name, content) in files().items():
        times, outcome = [], ""
        for _ in range(args.runs):
            start = time.perf_counter()
            try:
                outcome = f"{readers.count(name, content)} rows"
            except ValidationError as exc:
                outcome = "refused: " + " ".join(exc.message_dict["file"])
            times.append(time.perf_counter() - start)
        median, longest = statistics.median(times) * 1000, max(times) * 1000
        print(f"{label:15} {len(content):>9,} bytes  median {median:8.1f} ms  max {longest:8.1f} ms  {outcome}")


if __name__ == "__main__":
    main()
